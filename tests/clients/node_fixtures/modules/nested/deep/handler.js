exports.api = { v1: { get: async () => 'deep/handler.api.v1.get' } };
