// The mappings' durable rows in the server's SQLite database (one row each, JSON, in creation
// order). Statements are built here and committed by the service through its DbWriter chain;
// loading runs once at start. Statement building: loop thread; load: startup.
#pragma once

#include <vector>

#include "runtime/base/db_writer.h"
#include "triggers/esm/mapping.h"

namespace stratus::esm {

// Creates the table if needed and loads every mapping, oldest first.
Result<std::vector<Mapping>> loadMappings(DbWriter& writer);

DbStatement upsertMapping(const Mapping& m);
DbStatement deleteMapping(const std::string& uuid);

}  // namespace stratus::esm
