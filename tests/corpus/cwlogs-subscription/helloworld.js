// Source: raghib1992/secureCircle Subscription_filter_with_lambda/helloworld.js (stored public copy) = the CloudWatch Logs SubscriptionFilters guide's Lambda example
// Adaptations: none
var zlib = require('zlib');
exports.handler = function(input, context) {
    var payload = Buffer.from(input.awslogs.data, 'base64');
    zlib.gunzip(payload, function(e, result) {
        if (e) { 
            context.fail(e);
        } else {
            result = JSON.parse(result.toString('ascii'));
            console.log("Event Data:", JSON.stringify(result, null, 2));
            console.log(input)
            context.succeed();
        }
    });
};
