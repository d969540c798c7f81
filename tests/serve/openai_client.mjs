// OpenAI's official Node.js client (the `openai` npm package) against `ossvk serve`: models,
// chat whole and streamed, a tool call round trip, 8 concurrent streams, a stream the client
// aborts, and a refused request surfacing as the client's APIError.
// usage: node openai_client.mjs http://127.0.0.1:PORT
import OpenAI from 'openai';

const base = process.argv[2];
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'none', maxRetries: 0 });
// A failed check throws: node prints it and exits non-zero.
function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`);
}
const hello = [{ role: 'user', content: 'Hello' }];

const models = await client.models.list();
check(models.data.length === 1, 'one model listed');
const model = models.data[0].id;

const whole = await client.chat.completions.create({ model, messages: hello, max_tokens: 8, temperature: 0 });
check(whole.object === 'chat.completion' && whole.choices[0].message.role === 'assistant', 'chat');
check(['stop', 'length'].includes(whole.choices[0].finish_reason), 'chat finish_reason');
check(whole.usage.completion_tokens >= 1 && whole.usage.prompt_tokens > 100, 'chat usage');

// Streams until the finish chunk; returns [chunks, finish_reason, usage].
async function drain(stream) {
  let chunks = 0, finish = null, usage = null;
  for await (const c of stream) {
    chunks++;
    if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
    if (c.usage) usage = c.usage;
  }
  return [chunks, finish, usage];
}
const [chunks, finish, usage] = await drain(
  await client.chat.completions.create({ model, messages: hello, max_tokens: 8, stream: true }));
check(chunks >= 2 && finish && usage && usage.completion_tokens >= 1, 'stream');

// Tools offered, then a call and its result sent back as the conversation goes on.
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather', description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const ask = [{ role: 'user', content: 'Weather in Paris?' }];
const offered = await client.chat.completions.create({ model, messages: ask, tools, max_tokens: 16 });
check(offered.choices[0].message.role === 'assistant', 'tools offered');
const answered = await client.chat.completions.create({
  model, tools, max_tokens: 16,
  messages: [...ask,
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":20}' }],
});
check(answered.usage.prompt_tokens > offered.usage.prompt_tokens, 'a tool result sent back');

const runs = await Promise.all([...Array(8).keys()].map(async (i) => {
  const [n, f, u] = await drain(await client.chat.completions.create({
    model, messages: [{ role: 'user', content: `Hello ${i}` }], max_tokens: 12, seed: i, stream: true,
  }));
  return n >= 2 && f && u.completion_tokens >= 1;
}));
check(runs.every(Boolean), '8 concurrent streams');

// A client that goes away mid-stream: its slot is free again at once.
const stop = new AbortController();
let got = 0;
try {
  // A raw completion: every token is text, so chunks come at once.
  const s = await client.completions.create(
    { model, prompt: 'Hello', max_tokens: 3000, ignore_eos: true, stream: true }, { signal: stop.signal });
  for await (const c of s) if (++got === 3) stop.abort();
} catch (e) {
  check(e instanceof OpenAI.APIUserAbortError, `abort: ${e}`);
}
check(got >= 3, 'the aborted stream');  // chunks already read may still come
for (let i = 0; ; i++) {
  const h = await (await fetch(`${base}/health`)).json();
  if (h.running === 0 && h.queued === 0) break;
  check(i < 600, 'the aborted stream\'s slot is freed');
  await new Promise((r) => setTimeout(r, 100));
}

try {
  await client.chat.completions.create({ model, messages: hello, temperature: 5 });
  check(false, 'temperature 5 accepted');
} catch (e) {
  check(e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'temperature', `error: ${e}`);
}
console.log('openai client: ok');
