#include "core/json_guard.hpp"

#include <string>

#include "core/errors.hpp"

namespace churnwatch::core {

nlohmann::json parse_untrusted_json(std::string_view text, std::string_view what, const JsonLimits& limits) {
  using Event = nlohmann::json::parse_event_t;
  const std::string field(what);
  auto guard = [&](int depth, Event event, nlohmann::json& parsed) {
    if (depth > limits.max_depth)
      throw Invalid(
          "the JSON " + field + " is nested deeper than " + std::to_string(limits.max_depth) + " levels",
          {{field, "at most " + std::to_string(limits.max_depth) + " levels of arrays and objects"}});
    if ((event == Event::key || event == Event::value) && parsed.is_string() &&
        parsed.get_ref<const std::string&>().size() > limits.max_string_bytes)
      throw Invalid(
          "a JSON string in the " + field + " is longer than " + std::to_string(limits.max_string_bytes) +
              " bytes",
          {{field, "strings and names of at most " + std::to_string(limits.max_string_bytes) + " bytes"}});
    if (event == Event::object_end && parsed.size() > limits.max_object_members)
      throw Invalid(
          "a JSON object in the " + field + " has more than " + std::to_string(limits.max_object_members) +
              " members",
          {{field, "objects of at most " + std::to_string(limits.max_object_members) + " members"}});
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), guard);
  } catch (const nlohmann::json::out_of_range& err) {
    // A well-formed number too large for a double (1e400) is the sender's
    // mistake, not ours: without this it escaped as an internal error.
    throw Invalid("a JSON number in the " + field + " is out of range",
                  {{field, "numbers must fit a 64-bit float or integer (" + std::string(err.what()) + ")"}});
  }
}

nlohmann::json parse_untrusted_json_or_discarded(std::string_view text, const JsonLimits& limits) noexcept {
  try {
    return parse_untrusted_json(text, "document", limits);
  } catch (...) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
}

}  // namespace churnwatch::core
