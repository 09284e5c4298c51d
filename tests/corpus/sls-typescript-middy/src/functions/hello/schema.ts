// Source: serverless/examples@22865199 legacy/aws-nodejs-typescript/src/functions/hello/schema.ts
// Adaptations: none
export default {
  type: "object",
  properties: {
    name: { type: 'string' }
  },
  required: ['name']
} as const;
