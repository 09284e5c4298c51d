// Source: middyjs/middy@f50d2352b (branch 5.x) website/docs/middlewares/http-content-encoding.md, Sample usage
// Adaptations: one `)` added to close .use( (the sample as published is a SyntaxError)
import middy from '@middy/core'
import httpContentNegotiation from '@middy/http-content-negotiation'
import httpContentEncoding from '@middy/http-content-encoding'
import { constants } from 'node:zlib'

export const handler = middy()
  .use(httpContentNegotiation())
  .use(httpContentEncoding({
    br: {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, // adjusted for UTF-8 text
        [constants.BROTLI_PARAM_QUALITY]: 7
      }
    },
    overridePreferredEncoding: ['br', 'gzip', 'deflate']
  }))
  .handler((event, context) => {
    return {
      statusCode: 200,
      body: '{...}'
    }
  })
