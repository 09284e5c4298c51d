// Source: serverless/examples@22865199 legacy/aws-nodejs-typescript/src/libs/lambda.ts
// Adaptations: none
import middy from "@middy/core"
import middyJsonBodyParser from "@middy/http-json-body-parser"

export const middyfy = (handler) => {
  return middy(handler).use(middyJsonBodyParser())
}
