#include "daemon/status/snmp_commands.h"

#include <memory>

#include "daemon/status/json.h"

namespace tandem::status {

namespace {

struct Source {
  MibProvider provider;
  WalkRoot walk_root;
};

void json_varbind(JsonWriter& w, const MibEntry& e) {
  w.begin_object();
  w.key("oid");
  w.value(e.oid.to_string());
  w.key("type");
  w.value(to_string(e.value.type()));
  w.key("value");
  switch (e.value.type()) {
    case MibType::Integer: w.value(e.value.as_signed()); break;
    case MibType::Gauge32:
    case MibType::Counter32:
    case MibType::Counter64:
    case MibType::TimeTicks: w.value(e.value.as_unsigned()); break;
    case MibType::OctetString: w.value(e.value.text()); break;
    case MibType::ObjectIdentifier: w.value(e.value.oid_value().to_string()); break;
  }
  w.end_object();
}

void json_exception(JsonWriter& w, const Oid& oid, const char* error) {
  w.begin_object();
  w.key("oid");
  w.value(oid.to_string());
  w.key("error");
  w.value(error);
  w.end_object();
}

// Parses every argument as an OID, or explains which one is bad.
base::Result<std::vector<Oid>> parse_oids(const std::vector<std::string>& args) {
  std::vector<Oid> oids;
  for (const auto& a : args) {
    auto oid = Oid::parse(a);
    if (!oid) return oid.error();
    oids.push_back(std::move(*oid));
  }
  return oids;
}

enum class Op { Get, Next };

Response get_or_next(const Source& src, const Request& request, Op op) {
  if (request.args.empty()) return Response::bad_usage(request);
  auto oids = parse_oids(request.args);
  if (!oids) return Response::error(StatusCode::BadRequest, oids.error().message);
  MibView view;
  src.provider(view);
  if (!request.json) {
    std::string body;
    for (const Oid& oid : *oids) {
      body += op == Op::Get ? view.get_line(oid) : view.next_line(oid);
      body += '\n';
    }
    return Response::ok(std::move(body));
  }
  JsonWriter w;
  w.begin_array();
  for (const Oid& oid : *oids) {
    const MibEntry* e = op == Op::Get ? view.get(oid) : view.next(oid);
    if (e) {
      json_varbind(w, *e);
    } else {
      json_exception(w, oid, op == Op::Get ? "noSuchObject" : "endOfMibView");
    }
  }
  w.end_array();
  return Response::ok(w.take());
}

Response walk(const Source& src, const Request& request) {
  if (request.args.size() > 1) return Response::bad_usage(request);
  Oid root;
  if (request.args.empty()) {
    root = src.walk_root();
  } else {
    auto parsed = Oid::parse(request.args[0]);
    if (!parsed) return Response::error(StatusCode::BadRequest, parsed.error().message);
    root = std::move(*parsed);
  }
  MibView view;
  src.provider(view);
  if (!request.json) {
    std::string body;
    view.walk_lines(root, body);
    return Response::ok(std::move(body));
  }
  JsonWriter w;
  w.begin_array();
  const auto entries = view.subtree(root);
  if (entries.empty()) json_exception(w, root, "noSuchObject");
  for (const MibEntry& e : entries) json_varbind(w, e);
  w.end_array();
  return Response::ok(w.take());
}

}  // namespace

base::Status register_snmp_commands(CommandRegistry& registry, MibProvider provider, WalkRoot walk_root) {
  auto src = std::make_shared<const Source>(Source{std::move(provider), std::move(walk_root)});
  base::Status s = registry.add(Command{
      .words = "get",
      .args = "OID...",
      .summary = "read objects, like snmpget -On",
      .access = Access::Read,
      .handler = [src](const Request& r) { return get_or_next(*src, r, Op::Get); },
  });
  if (!s) return s;
  s = registry.add(Command{
      .words = "next",
      .args = "OID...",
      .summary = "read the objects after these, like snmpgetnext -On",
      .access = Access::Read,
      .handler = [src](const Request& r) { return get_or_next(*src, r, Op::Next); },
  });
  if (!s) return s;
  return registry.add(Command{
      .words = "walk",
      .args = "[OID]",
      .summary = "read a subtree (default: Tandem's oid_base), like snmpwalk -On",
      .access = Access::Read,
      .handler = [src](const Request& r) { return walk(*src, r); },
  });
}

base::Status register_snmp_commands(CommandRegistry& registry, MibProvider provider, Oid walk_root) {
  return register_snmp_commands(registry, std::move(provider), [root = std::move(walk_root)] { return root; });
}

}  // namespace tandem::status
