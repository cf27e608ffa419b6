// wire_json.cpp — Durofut JSON reading and writing (see wire_json.hpp).
#include "wire_json.hpp"

#include "args.hpp"
#include "json_text.hpp"

namespace df::compiler {

// --- writing -----------------------------------------------------------------------

void append_node_json(std::string& out, const ir::Node& node) {
  out += "{\"node_type\":";
  append_json_string(out, ir::node_type_name(node.type));
  if (node.left) { out += ",\"left_node\":"; append_node_json(out, *node.left); }
  if (node.right) { out += ",\"right_node\":"; append_node_json(out, *node.right); }
  if (node.condition) { out += ",\"condition_node\":"; append_node_json(out, *node.condition); }
  if (!node.extras.empty()) {
    out += ",\"extra_nodes\":[";
    for (std::size_t i = 0; i < node.extras.size(); ++i) {
      if (i) out += ',';
      append_node_json(out, *node.extras[i]);
    }
    out += ']';
  }
  if (node.query) { out += ",\"query\":"; append_json_string(out, *node.query); }
  if (node.result_name) { out += ",\"result_name\":"; append_json_string(out, *node.result_name); }
  out += '}';
}

std::string to_json(const ir::Node& root) {
  std::string out;
  append_node_json(out, root);
  return out;
}

// --- reading -----------------------------------------------------------------------
namespace {

ir::NodePtr make_sql_node(std::string_view text) { return make_sql(std::string(text)); }

enum class Problem { UnknownType, Malformed, MissingType };

// Internal: where and why a node could not be built; mapped to the caller's wording.
struct BuildFailure {
  Problem problem;
  std::string path;
  std::string type_name;  // the node_type as written (unknown / malformed node)
  std::string detail;
};

const rapidjson::Value* find_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

class Builder {
 public:
  ir::NodePtr build(const rapidjson::Value& obj, const std::string& path, int depth) {
    const auto* type_value = find_member(obj, "node_type");
    if (!type_value) throw BuildFailure{Problem::MissingType, path, "", "missing field `node_type`"};
    if (!type_value->IsString())
      throw BuildFailure{Problem::MissingType, path, "",
                         "node_type: invalid type: " + json_kind_description(*type_value) +
                             ", expected a string"};
    std::string type_name(json_string_view(*type_value));
    auto type = ir::node_type_from_name(type_name);
    if (!type) throw BuildFailure{Problem::UnknownType, path, type_name, ""};
    auto node = std::make_unique<ir::Node>(*type);
    read_fields(obj, *node, path, type_name, depth);
    return node;
  }

 private:
  [[noreturn]] static void malformed(const std::string& path, const std::string& type,
                                     std::string detail) {
    throw BuildFailure{Problem::Malformed, path, type, std::move(detail)};
  }

  static void reject_duplicates(const rapidjson::Value& obj, const std::string& path,
                                const std::string& type) {
    static const char* const kFields[] = {"node_type", "left_node", "right_node", "condition_node",
                                          "extra_nodes", "query", "result_name"};
    for (const char* field : kFields) {
      int seen = 0;
      for (const auto& m : obj.GetObject())
        if (json_string_view(m.name) == field) ++seen;
      if (seen > 1) malformed(path, type, std::string("duplicate field `") + field + "`");
    }
  }

  static std::optional<std::string> string_field(const rapidjson::Value& obj, const char* name,
                                                 const std::string& path, const std::string& type) {
    const auto* v = find_member(obj, name);
    if (!v || v->IsNull()) return std::nullopt;
    if (!v->IsString())
      malformed(path, type, std::string(name) + ": invalid type: " + json_kind_description(*v) +
                                ", expected a string");
    return std::string(json_string_view(*v));
  }

  ir::NodePtr child(const rapidjson::Value& obj, const char* name, const std::string& path,
                    int depth) {
    const auto* v = find_member(obj, name);
    if (!v || v->IsNull()) return nullptr;
    if (depth >= kMaxBuildDepth) return nullptr;  // validation reports the depth rule
    const char* suffix = name[0] == 'l' ? ".left" : name[0] == 'r' ? ".right" : ".condition_node";
    return build(*v, path + suffix, depth + 1);
  }

  void read_extras(const rapidjson::Value& obj, ir::Node& node, const std::string& path,
                   int depth) {
    const auto* v = find_member(obj, "extra_nodes");
    if (!v || v->IsNull() || depth >= kMaxBuildDepth) return;
    std::size_t i = 0;
    for (const auto& entry : v->GetArray())
      node.extras.push_back(
          build(entry, path + ".extra_nodes[" + std::to_string(i++) + "]", depth + 1));
  }

  void read_fields(const rapidjson::Value& obj, ir::Node& node, const std::string& path,
                   const std::string& type, int depth) {
    reject_duplicates(obj, path, type);
    node.query = string_field(obj, "query", path, type);
    node.result_name = string_field(obj, "result_name", path, type);
    // Shape of this node first (serde checks the whole object before any child).
    for (const char* name : {"left_node", "right_node", "condition_node"}) {
      const auto* v = find_member(obj, name);
      if (v && !v->IsNull() && !v->IsObject())
        malformed(path, type, std::string(name) + " must be a Durofut JSON object");
    }
    if (const auto* v = find_member(obj, "extra_nodes"); v && !v->IsNull()) {
      if (!v->IsArray())
        malformed(path, type, "extra_nodes must be an array of Durofut JSON objects");
      for (const auto& entry : v->GetArray())
        if (!entry.IsObject())
          malformed(path, type, "extra_nodes entries must be Durofut JSON objects");
    }
    node.left = child(obj, "left_node", path, depth);
    node.right = child(obj, "right_node", path, depth);
    node.condition = child(obj, "condition_node", path, depth);
    read_extras(obj, node, path, depth);
  }
};

std::string unknown_type_message(const std::string& name) {
  return "Unknown node_type '" + name + "'. Valid types: " + ir::valid_node_types_list();
}

std::string malformed_message(const BuildFailure& f) {
  return "Malformed Durofut JSON with node_type '" + f.type_name + "': " + f.detail;
}

// Wording of a failure below the root, as graph validation phrases it.
std::string child_message(const BuildFailure& f) {
  if (f.problem == Problem::UnknownType) return unknown_type_message(f.type_name);
  return "failed to deserialize Durofut child: " + f.detail;
}

// The root object when `doc` holds an object with a string node_type.
bool is_durofut(const rapidjson::Document& doc) {
  if (!doc.IsObject()) return false;
  const auto* t = find_member(doc, "node_type");
  return t && t->IsString();
}

std::optional<ir::NodeType> root_type(const rapidjson::Document& doc) {
  return ir::node_type_from_name(json_string_view(doc["node_type"]));
}

}  // namespace

bool looks_like_durofut(std::string_view text) {
  rapidjson::Document doc;
  return parse_json(text, doc, nullptr) && is_durofut(doc);
}

ir::NodePtr parse_strict(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_json(text, doc, nullptr) || !is_durofut(doc)) return make_sql_node(text);
  try {
    return Builder().build(doc, "root", 0);
  } catch (const BuildFailure& f) {
    if (f.path != "root")
      throw CompileError("Invalid durable function graph: " + f.path + ": " + child_message(f));
    if (f.problem == Problem::UnknownType)
      throw CompileError("Invalid durable function: " + unknown_type_message(f.type_name));
    throw CompileError("Invalid durable function: " + malformed_message(f));
  }
}

ir::NodePtr ensure_node(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_json(text, doc, nullptr) || !is_durofut(doc) || !root_type(doc))
    return make_sql_node(text);
  try {
    return Builder().build(doc, "root", 0);
  } catch (const BuildFailure& f) {
    std::string detail = f.path == "root" ? f.detail : f.path + ": " + child_message(f);
    throw CompileError("Invalid Durofut JSON: failed to deserialize workflow step: " + detail);
  }
}

ir::NodePtr parse_graph(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_json(text, doc, nullptr) || !is_durofut(doc)) return nullptr;
  try {
    return Builder().build(doc, "root", 0);
  } catch (const BuildFailure& f) {
    std::string message = f.path == "root" && f.problem == Problem::Malformed
                              ? malformed_message(f)
                              : child_message(f);
    throw CompileError("Invalid durable function graph: " + f.path + ": " + message);
  }
}

}  // namespace df::compiler
