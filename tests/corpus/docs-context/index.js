// Source: awsdocs/aws-lambda-developer-guide@4c88540^ doc_source/nodejs-context.md
// Adaptations: none (the example is a code block in the page)
exports.handler = async function(event, context) {
  console.log('Remaining time: ', context.getRemainingTimeInMillis())
  console.log('Function name: ', context.functionName)
  return context.logStreamName
}
