// console output in Lambda's text and JSON formats, and util.format as Node prints it.
#include <nlohmann/json.hpp>

#include <regex>

#include "runtime/js/log_line.h"
#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class ConsoleTest : public JsTest {};

TEST_F(ConsoleTest, LineFormat) {
  write("index.js", R"(
console.log('at init');
exports.handler = async () => {
  console.log('info', 1);
  console.info('also info');
  console.warn('careful');
  console.error('bad');
  console.debug('dbg');
  console.trace('trc');
  console.log('multi\nline\ntext');
  console.log();
};
)");
  auto function = JsFunction::create(spec());
  JsResult init = function->init(nowMs() + 5000);
  ASSERT_EQ(init.log_lines.size(), 1u);
  std::regex init_line(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tundefined\tINFO\tat init$)");
  EXPECT_TRUE(std::regex_match(init.log_lines[0], init_line)) << init.log_lines[0];

  JsResult result = invoke(*function, "{}", 5000, "req-42");
  std::vector<std::string> logged = lines(result);
  ASSERT_EQ(logged.size(), 8u);
  std::regex prefix(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-42\t[A-Z]+\t)");
  for (const auto& line : logged) EXPECT_TRUE(std::regex_search(line, prefix)) << line;
  auto level = [&](int i) {
    const std::string& line = logged[i];
    size_t a = line.find('\t', line.find('\t') + 1) + 1;
    return line.substr(a, line.find('\t', a) - a);
  };
  EXPECT_EQ(level(0), "INFO");
  EXPECT_EQ(level(1), "INFO");
  EXPECT_EQ(level(2), "WARN");
  EXPECT_EQ(level(3), "ERROR");
  EXPECT_EQ(level(4), "DEBUG");
  EXPECT_EQ(level(5), "TRACE");
  auto text = messages(result);
  EXPECT_EQ(text[0], "info 1");
  EXPECT_EQ(text[6], "multi\rline\rtext");
  EXPECT_EQ(text[7], "undefined");  // Lambda's console.log() with no arguments
}

TEST_F(ConsoleTest, FormatLikeNode) {
  write("index.js", R"(
exports.handler = async () => {
  const circular = { name: 'c' }; circular.self = circular;
  const err = new Error('shown'); err.stack = 'Error: shown\n    at fake (/f.js:1:1)';
  console.log('%s|%d|%i|%f|%j|%%|%o|%O', 'str', 42.9, 42.9, '1.5', { j: [1] }, [1], { O: { deep: { er: { est: 1 } } } });
  console.log({ a: 1, b: 'x', c: [1, 2], d: { e: { f: { g: 1 } } } });
  console.log([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
  console.log(circular);
  console.log(err);
  console.log('%s', null, undefined, 5n, Symbol('s'));
  console.log(new Map([['k', { v: 1 }]]), new Set([1]), [undefined, null], -0);
  console.log('str', "it's", { q: "it's" });
  console.log(class Foo {}, function bar() {}, () => {});
  console.log(Buffer.from('hi'), new URL('https://a.b/c'));
  console.log('%c styled', 'color: red');
};
)");
  auto function = load();
  auto text = messages(invoke(*function));
  ASSERT_EQ(text.size(), 11u);
  EXPECT_EQ(text[0], "str|42.9|42|1.5|{\"j\":[1]}|%|[ 1, [length]: 1 ]|{ O: { deep: { er: [Object] } } }");
  EXPECT_EQ(text[1], "{ a: 1, b: 'x', c: [ 1, 2 ], d: { e: { f: [Object] } } }");
  EXPECT_EQ(text[2], "[\r   1,  2,  3,  4,  5,  6,  7,  8,\r   9, 10, 11, 12, 13, 14, 15, 16,\r"
                     "  17, 18, 19, 20, 21, 22, 23, 24,\r  25, 26\r]");
  EXPECT_EQ(text[3], "<ref *1> { name: 'c', self: [Circular *1] }");
  EXPECT_EQ(text[4], "Error: shown\r    at fake (/f.js:1:1)");
  EXPECT_EQ(text[5], "null undefined 5n Symbol(s)");
  EXPECT_EQ(text[6], "Map(1) { 'k' => { v: 1 } } Set(1) { 1 } [ undefined, null ] -0");
  EXPECT_EQ(text[7], "str it's { q: \"it's\" }");
  EXPECT_EQ(text[8], "[class Foo] [Function: bar] [Function (anonymous)]");
  EXPECT_EQ(text[9], "<Buffer 68 69> URL {\r  href: 'https://a.b/c',\r  origin: 'https://a.b',\r"
                     "  protocol: 'https:',\r  username: '',\r  password: '',\r  host: 'a.b',\r"
                     "  hostname: 'a.b',\r  port: '',\r  pathname: '/c',\r  search: '',\r"
                     "  searchParams: URLSearchParams {},\r  hash: ''\r}");
  EXPECT_EQ(text[10], " styled");
}

TEST_F(ConsoleTest, ErrorsInsideObjectsAreIndented) {
  write("index.js", R"(
exports.handler = async () => {
  const err = new TypeError('inner'); err.stack = 'TypeError: inner\n    at x (/x.js:1:1)';
  err.code = 'E1';
  console.log({ err });
};
)");
  auto function = load();
  EXPECT_EQ(messages(invoke(*function))[0],
            "{\r  err: TypeError: inner\r      at x (/x.js:1:1) {\r    code: 'E1'\r  }\r}");
}

TEST_F(ConsoleTest, StdoutWriteAndDirAreRawLines) {
  write("index.js", R"(
exports.handler = async () => {
  process.stdout.write('raw one\nraw two\n');
  console.dir({ a: 1 });
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(lines(result), (std::vector<std::string>{"raw one", "raw two", "{ a: 1 }"}));
}

TEST_F(ConsoleTest, JsonFormatAndLogLevel) {
  write("index.js", R"(
exports.handler = async () => {
  console.debug('dropped');
  console.info('kept', { a: 1 });
  console.error(new Error('as json'));
};
)");
  JsFunctionSpec s = spec();
  s.env["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
  s.env["AWS_LAMBDA_LOG_LEVEL"] = "INFO";
  auto function = load(s);
  JsResult result = invoke(*function, "{}", 5000, "req-json");
  std::vector<std::string> logged = lines(result);
  ASSERT_EQ(logged.size(), 2u);
  json first = json::parse(logged[0]);
  EXPECT_EQ(first["level"], "INFO");
  EXPECT_EQ(first["requestId"], "req-json");
  EXPECT_EQ(first["message"], "kept { a: 1 }");
  EXPECT_TRUE(first["timestamp"].is_string());
  json second = json::parse(logged[1]);
  EXPECT_EQ(second["level"], "ERROR");
  EXPECT_EQ(second["message"]["errorType"], "Error");
  EXPECT_EQ(second["message"]["errorMessage"], "as json");
}

TEST_F(ConsoleTest, TimeCountGroupAssert) {
  write("index.js", R"(
exports.handler = async () => {
  console.count(); console.count(); console.count('x');
  console.assert(1 === 2, 'nope');
  console.group('G'); console.log('inside'); console.groupEnd(); console.log('outside');
  console.time('t'); console.timeEnd('t');
};
)");
  auto function = load();
  auto text = messages(invoke(*function));
  ASSERT_EQ(text.size(), 8u);
  EXPECT_EQ(text[0], "default: 1");
  EXPECT_EQ(text[1], "default: 2");
  EXPECT_EQ(text[2], "x: 1");
  EXPECT_EQ(text[3], "Assertion failed: nope");
  EXPECT_EQ(text[4], "G");
  EXPECT_EQ(text[5], "  inside");
  EXPECT_EQ(text[6], "outside");
  EXPECT_EQ(text[7].rfind("t: ", 0), 0u);
}

TEST(LogLineTest, FormatsLambdaTextLines) {
  EXPECT_EQ(isoTimestamp(1559934680562), "2019-06-07T19:11:20.562Z");
  EXPECT_EQ(logLine(1559934680562, "id", LogLevel::kWarn, "a\nb\n"),
            "2019-06-07T19:11:20.562Z\tid\tWARN\ta\rb\r");
}

}  // namespace
}  // namespace stratus::js::testing
