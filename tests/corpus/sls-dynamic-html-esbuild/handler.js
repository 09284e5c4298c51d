// Source: serverless/examples@22865199 aws-node-serve-dynamic-html-via-http-endpoint/handler.js
// Adaptations: none
"use strict";

export const landingPage = (event, _context, callback) => {
  let dynamicHtml = "<p>Hey Unknown!</p>";
  // check for GET params and use if available
  if (event.queryStringParameters && event.queryStringParameters.name) {
    dynamicHtml = `<p>Hey ${event.queryStringParameters.name}!</p>`;
  }

  const html = `
  <html>
    <style>
      h1 { color: #73757d; }
    </style>
    <body>
      <h1>Landing Page</h1>
      ${dynamicHtml}
    </body>
  </html>`;

  const response = {
    statusCode: 200,
    headers: {
      "Content-Type": "text/html",
    },
    body: html,
  };

  // callback is sending HTML back
  callback(null, response);
};

export default landingPage;
