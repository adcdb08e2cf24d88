// Compact JSON text for customer attributes, written faster than
// nlohmann::json::dump for the flat objects of scalars an import stores (the
// import's hot path spends most of its time here otherwise). The text parses
// back to an equal value: numbers keep their integer/float kind and doubles
// their exact value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace churnwatch::storage {

// Replaces `out` with the JSON text of `value`. Throws nlohmann's type_error
// for text that is not valid UTF-8, as dump() does.
void write_json(const nlohmann::json& value, std::string& out);

}  // namespace churnwatch::storage
