#include "triggers/esm/mapping_store.h"

namespace stratus::esm {

namespace {
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS esm_mappings (uuid TEXT PRIMARY KEY, row TEXT NOT NULL)";
}

Result<std::vector<Mapping>> loadMappings(DbWriter& writer) {
  std::vector<Mapping> out;
  Status s = writer.runBlocking([&out](Db& db) -> Status {
    Status schema = db.execScript(kSchema);
    if (!schema.ok()) return schema;
    return db.query("SELECT row FROM esm_mappings ORDER BY rowid", {}, [&](const DbRow& row) {
      auto j = nlohmann::json::parse(row.text(0), nullptr, false);
      if (j.is_object()) out.push_back(mappingFromRow(j));
    });
  });
  if (!s.ok()) return s.error();
  return out;
}

DbStatement upsertMapping(const Mapping& m) {
  return {"INSERT INTO esm_mappings (uuid, row) VALUES (?1, ?2) ON CONFLICT(uuid) DO UPDATE SET row = ?2",
          {m.uuid, mappingRow(m).dump()}};
}

DbStatement deleteMapping(const std::string& uuid) {
  return {"DELETE FROM esm_mappings WHERE uuid = ?1", {uuid}};
}

}  // namespace stratus::esm
