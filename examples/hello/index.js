// The demo function scripts/demo.sh deploys: echoes the event and shows the context.
let invocations = 0;  // module state survives between warm invocations

exports.handler = async (event, context) => {
  invocations += 1;
  console.log('hello from', context.functionName, 'event:', event);
  return {
    message: `Hello, ${event.name || 'world'}!`,
    event,
    requestId: context.awsRequestId,
    warmInvocations: invocations,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
