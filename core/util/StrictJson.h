// StrictJson.h — the strict JSON reading shared by the file formats (network, topology problem).
// In: JSON text; a parsed object and the keys it may have. Out: the parsed document, or the format's
// own error type (template parameter Error: NetworkError, InputError) naming where the problem is —
// a repeated key ({"width":3,"width":5} would silently keep 5), an unknown key with the allowed list.
// nlohmann's parse errors pass through; withoutTag() strips their internal "[json.exception.…] " tag.
// Header-only (templates on the error type); included by core .cpp files only.
#pragma once
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ntk::strictjson {

using json = nlohmann::json;

/// "a number", "a string \"abc\"", … for messages.
inline std::string typeName(const json& v)
{
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string \"" + v.get<std::string>() + "\"";
  if (v.is_array()) return "an array";
  return "an object";
}

template <class Error>
void rejectUnknownKeys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed)
{
  const std::set<std::string> ok(allowed.begin(), allowed.end());
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (!ok.count(it.key())) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      throw Error(where + ": unknown key \"" + it.key() + "\" (allowed: " + list + ")");
    }
}

/// nlohmann's messages start with an internal tag ("[json.exception.parse_error.101] "): users see the rest.
inline std::string withoutTag(const std::string& what)
{
  if (what.rfind("[json.exception.", 0) == 0) {
    const auto close = what.find("] ");
    if (close != std::string::npos) return what.substr(close + 2);
  }
  return what;
}

/// Parses `text`, refusing an object that repeats a key. The parser callback keeps one frame per open
/// object/array, so the error names where the object is ("layers[2]: duplicate key \"width\"");
/// `rootName` names the top level.
template <class Error>
json parseRejectingDuplicateKeys(const std::string& text, const std::string& rootName)
{
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key; ///< object: the key being read
    long index = -1; ///< array: the element being read
  };
  std::vector<Frame> frames;
  const auto pathOfTop = [&] {
    std::string path;
    for (size_t i = 0; i + 1 < frames.size(); ++i)
      path += frames[i].object ? (path.empty() ? "" : ".") + frames[i].key : "[" + std::to_string(frames[i].index) + "]";
    return path.empty() ? rootName : path;
  };
  const auto enterElement = [&] {
    if (!frames.empty() && !frames.back().object) ++frames.back().index;
  };
  const json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
    case json::parse_event_t::array_start:
      enterElement();
      frames.push_back(Frame{event == json::parse_event_t::object_start, {}, {}, -1});
      break;
    case json::parse_event_t::key: {
      const std::string key = parsed.get<std::string>();
      if (!frames.back().keys.insert(key).second) throw Error(pathOfTop() + ": duplicate key \"" + key + "\"");
      frames.back().key = key;
      break;
    }
    case json::parse_event_t::value: enterElement(); break;
    case json::parse_event_t::object_end:
    case json::parse_event_t::array_end: frames.pop_back(); break;
    }
    return true;
  };
  return json::parse(text, callback);
}

} // namespace ntk::strictjson
