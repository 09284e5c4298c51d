// Source: middyjs/middy@f50d2352b (branch 5.x) website/docs/middlewares/http-json-body-parser.md, Sample usage
// Adaptations: the sample's trailing test code (an inline invocation with an undefined equal()) removed
import middy from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import httpJsonBodyParser from '@middy/http-json-body-parser'

const lambdaHandler = (event, context) => {
  return {}
}

export const handler = middy()
  .use(httpHeaderNormalizer())
  .use(httpJsonBodyParser())
  .handler(lambdaHandler)

