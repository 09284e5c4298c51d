// workerd's side of peers_bench: the same handler as the Stratus function and the Node
// server, called once per request with the JSON body as its event.
const handler = async (event) => ({ statusCode: 200, body: 'hello' });

export default {
  async fetch(request) {
    const event = await request.json();
    const result = await handler(event);
    return new Response(JSON.stringify(result), {
      headers: { 'content-type': 'application/json' },
    });
  },
};
