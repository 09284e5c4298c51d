const missing = require('no-such-package');
exports.handler = async () => missing;
