// CommonJS loading: resolution order, caching, cycles, JSON, package.json "main"/"exports",
// layers under the opt root, builtins, and confinement to the task and opt roots.
#include <nlohmann/json.hpp>

#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class RequireTest : public JsTest {
 protected:
  // Runs `body` as the async handler of index.js and returns the parsed result.
  json run(const std::string& body) {
    write("index.js", "exports.handler = async () => {\n" + body + "\n};\n");
    auto function = load();
    JsResult result = invoke(*function);
    EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
    return json::parse(result.payload, nullptr, false);
  }
};

TEST_F(RequireTest, RelativeJsJsonAndDirectories) {
  write("lib/a.js", "exports.name = 'a'; exports.dir = __dirname; exports.file = __filename;\n");
  write("lib/data.json", R"({"answer": 42})");
  write("lib/pkgdir/package.json", R"({"main": "./main.js"})");
  write("lib/pkgdir/main.js", "module.exports = 'from main';\n");
  write("lib/indexdir/index.js", "module.exports = 'from index';\n");
  write("lib/x.cjs", "module.exports = 'cjs';\n");
  json out = run(R"(
    const a = require('./lib/a');
    return [a.name, a.dir, a.file, require('./lib/data.json').answer, require('./lib/data').answer,
            require('./lib/pkgdir'), require('./lib/indexdir'), require('./lib/x.cjs'),
            require('./lib/a.js') === a];
  )");
  EXPECT_EQ(out, json({"a", task_ + "/lib", task_ + "/lib/a.js", 42, 42, "from main", "from index",
                       "cjs", true}));
}

TEST_F(RequireTest, ModuleObjectAndCache) {
  write("counter.js", "let n = 0; module.exports = { next: () => ++n, id: module.id };\n");
  json out = run(R"(
    const c1 = require('./counter');
    c1.next();
    const c2 = require('./counter');
    const resolved = require.resolve('./counter');
    return [c2.next(), resolved, typeof require.cache[resolved], module.loaded, c1.id === resolved,
            require.main === undefined, this === module.exports];
  )");
  EXPECT_EQ(out, json({2, task_ + "/counter.js", "object", true, true, true, true}));
}

TEST_F(RequireTest, CircularRequiresSeePartialExports) {
  write("a.js", R"(
exports.early = 'a-early';
const b = require('./b');
exports.late = 'a-late';
exports.seenByB = b.seen;
)");
  write("b.js", R"(
const a = require('./a');
exports.seen = [a.early, a.late];
)");
  json out = run("const a = require('./a'); return a.seenByB;");
  EXPECT_EQ(out, json({"a-early", nullptr}));
}

TEST_F(RequireTest, NodeModulesWalkUpAndPackageMain) {
  write("node_modules/top/package.json", R"({"name":"top","main":"lib/entry.js"})");
  write("node_modules/top/lib/entry.js", "module.exports = 'top:' + require('dep');\n");
  write("node_modules/dep/index.js", "module.exports = 'dep';\n");
  write("src/deep/file.js", "module.exports = require('top');\n");
  json out = run("return require('./src/deep/file');");
  EXPECT_EQ(out, "top:dep");
}

TEST_F(RequireTest, PackageExportsField) {
  write("node_modules/modern/package.json", R"({
    "name": "modern",
    "exports": {
      ".": { "import": "./esm/index.mjs", "require": "./cjs/index.js" },
      "./feature": { "node": "./cjs/feature.js", "default": "./nope.js" },
      "./utils/*": "./cjs/utils/*.js",
      "./package.json": "./package.json"
    }
  })");
  write("node_modules/modern/cjs/index.js", "module.exports = 'main';\n");
  write("node_modules/modern/cjs/feature.js", "module.exports = 'feature';\n");
  write("node_modules/modern/cjs/utils/strings.js", "module.exports = 'strings';\n");
  write("node_modules/modern/cjs/hidden.js", "module.exports = 'hidden';\n");
  json out = run(R"(
    let hidden;
    try { require('modern/cjs/hidden'); hidden = 'loaded'; } catch (e) { hidden = e.code; }
    return [require('modern'), require('modern/feature'), require('modern/utils/strings'),
            require('modern/package.json').name, hidden];
  )");
  EXPECT_EQ(out, json({"main", "feature", "strings", "modern", "ERR_PACKAGE_PATH_NOT_EXPORTED"}));
}

TEST_F(RequireTest, OptRootLayers) {
  write(opt_ + "/nodejs/node_modules/layerlib/index.js", "module.exports = 'layer';\n");
  write(opt_ + "/nodejs/node18/node_modules/versioned/index.js", "module.exports = 'node18';\n");
  write(opt_ + "/nodejs/node_modules/versioned/index.js", "module.exports = 'generic';\n");
  write("node_modules/layerlib/index.js", "module.exports = 'task wins';\n");
  json out = run("return [require('layerlib'), require('versioned')];");
  EXPECT_EQ(out, json({"task wins", "node18"}));
}

TEST_F(RequireTest, MissingModuleError) {
  json out = run(R"(
    try { require('./missing'); } catch (e) { return [e.code, e.message, e.requireStack]; }
  )");
  EXPECT_EQ(out[0], "MODULE_NOT_FOUND");
  EXPECT_EQ(out[1], "Cannot find module './missing'\nRequire stack:\n- " + task_ +
                        "/index.js\n- /var/runtime/index.mjs");
  EXPECT_EQ(out[2], json({task_ + "/index.js", "/var/runtime/index.mjs"}));
}

TEST_F(RequireTest, ErrorsInAModuleAreNotCached) {
  write("flaky.js", "if (!global.second) { global.second = true; throw new Error('first load'); }\nmodule.exports = 'ok';\n");
  json out = run(R"(
    let first;
    try { require('./flaky'); } catch (e) { first = e.message; }
    return [first, require('./flaky')];
  )");
  EXPECT_EQ(out, json({"first load", "ok"}));
}

TEST_F(RequireTest, StackTracesNameTheRealFile) {
  write("lib/thrower.js", "\n\nmodule.exports = () => { throw new Error('where'); };\n");
  json out = run("try { require('./lib/thrower')(); } catch (e) { return e.stack.split('\\n')[1]; }");
  EXPECT_NE(out.get<std::string>().find(task_ + "/lib/thrower.js:3:"), std::string::npos) << out;
}

TEST_F(RequireTest, JsonSyntaxErrorNamesTheFile) {
  write("bad.json", "{ nope");
  json out = run("try { require('./bad.json'); } catch (e) { return [e.name, e.message.startsWith('" +
                 task_ + "/bad.json: ')]; }");
  EXPECT_EQ(out, json({"SyntaxError", true}));
}

TEST_F(RequireTest, EscapesOutsideTheRootsAreRefused) {
  // A file beside the task root, reachable by '..', an absolute path and a symlink.
  write(dir_ + "/secret.js", "module.exports = 'secret';\n");
  std::filesystem::create_symlink(dir_ + "/secret.js", task_ + "/link.js");
  std::filesystem::create_directory_symlink(dir_, task_ + "/up");
  json out = run(R"(
    const attempts = ['../secret', '../secret.js', ')" + dir_ + R"(/secret.js', './link.js', './up/secret.js',
                      '/etc/hostname', '../../../../../../etc/passwd'];
    return attempts.map((p) => { try { require(p); return 'LOADED ' + p; } catch (e) { return e.code; } });
  )");
  for (const auto& item : out) EXPECT_EQ(item, "MODULE_NOT_FOUND") << out;
}

TEST_F(RequireTest, SymlinksInsideTheRootWork) {
  write("real/impl.js", "module.exports = __filename;\n");
  std::filesystem::create_symlink(task_ + "/real/impl.js", task_ + "/alias.js");
  json out = run("return require('./alias');");
  EXPECT_EQ(out, task_ + "/real/impl.js");
}

TEST_F(RequireTest, ProvidedBuiltins) {
  json out = run(R"(
    const names = ['util', 'events', 'buffer', 'url', 'timers', 'timers/promises', 'assert', 'path',
                   'querystring', 'string_decoder', 'process', 'module', 'node:util', 'node:path', 'util/types',
                   'assert/strict', 'console'];
    return names.map((n) => typeof require(n));
  )");
  for (const auto& item : out) EXPECT_TRUE(item == "object" || item == "function") << out;
}

TEST_F(RequireTest, MissingBuiltinsThrowModuleNotFound) {
  write("node_modules/fs/index.js", "module.exports = 'npm placeholder';\n");
  json out = run(R"(
    return ['fs', 'http', 'crypto', 'node:fs', 'child_process'].map((n) => {
      try { require(n); return 'loaded'; } catch (e) { return [e.code, e.message.split('\n')[0]]; }
    });
  )");
  EXPECT_EQ(out[0], json({"MODULE_NOT_FOUND", "Cannot find module 'fs'"}));
  EXPECT_EQ(out[1], json({"MODULE_NOT_FOUND", "Cannot find module 'http'"}));
  EXPECT_EQ(out[3], json({"MODULE_NOT_FOUND", "Cannot find module 'node:fs'"}));
}

TEST_F(RequireTest, EsmFilesCannotBeRequired) {
  write("esm.mjs", "export default 1;\n");
  write("typed/package.json", R"({"type":"module"})");
  write("typed/x.js", "export default 2;\n");
  json out = run(R"(
    return ['./esm.mjs', './typed/x.js'].map((p) => { try { require(p); } catch (e) { return e.code; } });
  )");
  EXPECT_EQ(out, json({"ERR_REQUIRE_ESM", "ERR_REQUIRE_ESM"}));
}

TEST_F(RequireTest, CreateRequireAndResolvePaths) {
  write("other/node_modules/only-here/index.js", "module.exports = 'only-here';\n");
  json out = run(R"(
    const { createRequire } = require('module');
    const r = createRequire(')" + task_ + R"(/other/x.js');
    return [r('only-here'), require.resolve('only-here', { paths: [')" + task_ + R"(/other'] })];
  )");
  EXPECT_EQ(out, json({"only-here", task_ + "/other/node_modules/only-here/index.js"}));
}

TEST_F(RequireTest, HashbangAndBom) {
  write("cli.js", "#!/usr/bin/env node\nmodule.exports = 'cli';\n");
  write("bom.js", "\xEF\xBB\xBFmodule.exports = 'bom';\n");
  json out = run("return [require('./cli'), require('./bom')];");
  EXPECT_EQ(out, json({"cli", "bom"}));
}

}  // namespace
}  // namespace stratus::js::testing
