#include "node/trust.h"

#include <system_error>

#include "exchange/batch.h"
#include "schema/validate.h"

namespace xf::node {

namespace {

Result<Trust::SigningKey> ReadKey(const std::filesystem::path& file, const std::string& source) {
  auto key = exchange::PublicKey::LoadPem(file);
  if (!key) return key.error();
  Trust::SigningKey k;
  k.fingerprint = key->Fingerprint();
  k.key = std::make_shared<const exchange::PublicKey>(std::move(key).value());
  k.source = source;
  return k;
}

}  // namespace

Result<std::shared_ptr<const Trust>> Trust::Load(const NodeConfig& config, const exchange::PublicKey& own,
                                                 std::shared_ptr<const exchange::Directory> directory) {
  auto t = std::make_shared<Trust>();
  t->m_directory = std::move(directory);
  const exchange::Directory* dir = t->m_directory.get();
  auto add_key = [&](const std::string& id, SigningKey k) {
    k.revoked = dir != nullptr && dir->IsRevoked(k.fingerprint);
    auto& list = t->m_keys[id];
    for (const auto& existing : list) {
      if (existing.fingerprint == k.fingerprint && existing.source == k.source) return;
    }
    list.push_back(std::move(k));
  };
  std::error_code ec;
  if (!config.key_directory.empty() && std::filesystem::is_directory(config.key_directory, ec)) {
    for (const auto& e : std::filesystem::directory_iterator(config.key_directory, ec)) {
      if (e.path().extension() != ".pub") continue;
      const std::string id = e.path().stem().string();
      if (!schema::IsNodeId(id)) continue;
      auto k = ReadKey(e.path(), "key_directory");
      if (!k) return MakeError(k.error().code, "key of " + id + ": " + k.error().message);
      add_key(id, std::move(k).value());
    }
  }
  auto peer = [&](const PeerConfig& p) -> Status {
    if (p.public_key.empty()) return MakeError(Errc::kInvalidArgument, "peer " + p.id + " has no public_key");
    auto k = ReadKey(p.public_key, "config");
    if (!k) return MakeError(k.error().code, "key of " + p.id + ": " + k.error().message);
    add_key(p.id, std::move(k).value());
    if (!p.certificate.empty()) {
      auto cert = exchange::LoadCertificate(p.certificate);
      if (!cert) return MakeError(cert.error().code, "certificate of " + p.id + ": " + cert.error().message);
      // A configured certificate is pinned as it is: its key, whatever its
      // dates or CA flag (certificates made before end-entity ones were CA:TRUE).
      t->m_tls[p.id].push_back({cert->key_der, cert->key_fingerprint, {}, "config"});
    }
    return {};
  };
  if (config.parent) {
    if (auto s = peer(*config.parent); !s) return s.error();
  }
  for (const auto& c : config.children) {
    if (auto s = peer(c); !s) return s.error();
  }
  if (dir != nullptr) {
    for (const auto& n : dir->nodes) {
      for (const auto& dk : n.keys) {
        auto key = exchange::PublicKey::FromPem(dk.pem);
        if (!key) continue;  // ParseDirectory read it already
        add_key(n.id, {std::make_shared<const exchange::PublicKey>(std::move(key).value()), dk.fingerprint,
                       dk.validity, "directory", false});
      }
      const auto tls = t->m_tls.find(n.id);
      if (tls == t->m_tls.end()) continue;  // pins are kept for peers only
      for (const auto& c : n.certificates) tls->second.push_back({c.key_der, c.fingerprint, c.validity, "directory"});
    }
  }
  auto self = exchange::PublicKey::FromPem(own.Pem());
  if (!self) return self.error();
  SigningKey k;
  k.fingerprint = self->Fingerprint();
  k.key = std::make_shared<const exchange::PublicKey>(std::move(self).value());
  k.source = "self";
  add_key(config.node_id, std::move(k));
  return std::shared_ptr<const Trust>(std::move(t));
}

std::vector<Trust::KeyPtr> Trust::KeysOf(const std::string& node_id, Instant now) const {
  std::vector<KeyPtr> out;
  const auto it = m_keys.find(node_id);
  if (it == m_keys.end()) return out;
  for (const auto& k : it->second) {
    if (!k.revoked && k.validity.At(now)) out.push_back(k.key);
  }
  return out;
}

std::vector<Trust::KeyPtr> Trust::RevokedKeysOf(const std::string& node_id) const {
  std::vector<KeyPtr> out;
  const auto it = m_keys.find(node_id);
  if (it == m_keys.end()) return out;
  for (const auto& k : it->second) {
    if (k.revoked) out.push_back(k.key);
  }
  return out;
}

std::string Trust::NoKeyReason(const std::string& node_id, Instant now) const {
  const auto it = m_keys.find(node_id);
  if (it == m_keys.end() || it->second.empty()) return "no public key is known here for origin '" + node_id + "'";
  std::size_t revoked = 0;
  for (const auto& k : it->second) revoked += k.revoked ? 1 : 0;
  if (revoked == it->second.size()) {
    return "every key known here for origin '" + node_id + "' is revoked by the signed directory";
  }
  return "no key of origin '" + node_id + "' known here is valid at " + now.ToString() +
         " (outside not_before/not_after, or revoked)";
}

std::optional<std::string> Trust::PeerOfTlsKey(std::string_view key_der, Instant now) const {
  for (const auto& [id, keys] : m_tls) {
    for (const auto& k : keys) {
      if (k.key_der == key_der && k.validity.At(now) && !Revoked(k.fingerprint)) return id;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Trust::TlsKeysOf(const std::string& peer_id, Instant now) const {
  std::vector<std::string> out;
  const auto it = m_tls.find(peer_id);
  if (it == m_tls.end()) return out;
  for (const auto& k : it->second) {
    if (k.validity.At(now) && !Revoked(k.fingerprint)) out.push_back(k.key_der);
  }
  return out;
}

bool Trust::Revoked(std::string_view fingerprint) const {
  return m_directory != nullptr && m_directory->IsRevoked(fingerprint);
}

std::size_t Trust::Size() const {
  std::size_t n = 0;
  for (const auto& [id, keys] : m_keys) n += keys.size();
  return n;
}

bool VerifyWithAny(const std::vector<Trust::KeyPtr>& keys, std::string_view bytes, std::string_view signature) {
  for (const auto& k : keys) {
    if (exchange::VerifyBytes(*k, bytes, signature)) return true;
  }
  return false;
}

}  // namespace xf::node
