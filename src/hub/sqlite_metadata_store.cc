// SQLite implementation of MetadataStore. One connection, guarded by a
// recursive mutex (writeTransaction's fn calls back into the store), WAL
// journal with synchronous=FULL: a COMMIT has reached the disk before the
// registry acknowledges a push. busy_timeout lets `weir hub gc` (another
// process) and the hub take turns on the write lock.
#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

#include "hub/account_store.h"
#include "hub/metadata_store.h"

namespace weir::hub {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS blobs (
  digest  TEXT PRIMARY KEY,
  size    INTEGER NOT NULL,
  touched INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS repos (
  name    TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS repo_blobs (
  repo    TEXT NOT NULL,
  digest  TEXT NOT NULL,
  PRIMARY KEY (repo, digest)
);
CREATE INDEX IF NOT EXISTS repo_blobs_digest ON repo_blobs(digest);
CREATE TABLE IF NOT EXISTS manifests (
  repo          TEXT NOT NULL,
  digest        TEXT NOT NULL,
  media_type    TEXT NOT NULL,
  size          INTEGER NOT NULL,
  artifact_type TEXT NOT NULL,
  subject       TEXT NOT NULL,
  annotations   TEXT NOT NULL,
  created       INTEGER NOT NULL,
  PRIMARY KEY (repo, digest)
);
CREATE INDEX IF NOT EXISTS manifests_subject ON manifests(repo, subject);
CREATE INDEX IF NOT EXISTS manifests_digest ON manifests(digest);
CREATE TABLE IF NOT EXISTS manifest_refs (
  repo        TEXT NOT NULL,
  manifest    TEXT NOT NULL,
  child       TEXT NOT NULL,
  is_manifest INTEGER NOT NULL,
  PRIMARY KEY (repo, manifest, child)
);
CREATE INDEX IF NOT EXISTS manifest_refs_child ON manifest_refs(child);
CREATE TABLE IF NOT EXISTS tags (
  repo    TEXT NOT NULL,
  tag     TEXT NOT NULL,
  digest  TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (repo, tag)
);
CREATE INDEX IF NOT EXISTS tags_digest ON tags(repo, digest);
CREATE TABLE IF NOT EXISTS uploads (
  id      TEXT PRIMARY KEY,
  repo    TEXT NOT NULL,
  started INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  name          TEXT PRIMARY KEY,
  kind          INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  created       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
  org  TEXT NOT NULL,
  user TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (org, user)
);
CREATE INDEX IF NOT EXISTS members_user ON members(user);
CREATE TABLE IF NOT EXISTS api_tokens (
  id          TEXT PRIMARY KEY,
  user        TEXT NOT NULL,
  name        TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  scopes      TEXT NOT NULL,
  created     INTEGER NOT NULL,
  last_used   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  user    TEXT NOT NULL,
  expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS repo_info (
  name                 TEXT PRIMARY KEY,
  owner                TEXT NOT NULL,
  private              INTEGER NOT NULL,
  description          TEXT NOT NULL,
  artifact_description TEXT NOT NULL,
  readme               TEXT NOT NULL,
  language             TEXT NOT NULL,
  abi_versions         TEXT NOT NULL,
  latest_tag           TEXT NOT NULL,
  updated              INTEGER NOT NULL,
  pulls                INTEGER NOT NULL,
  stars                INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS repo_info_owner ON repo_info(owner);
CREATE TABLE IF NOT EXISTS stars (
  user TEXT NOT NULL,
  repo TEXT NOT NULL,
  PRIMARY KEY (user, repo)
);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement& bind(const std::string& v) {
    if (!stmt_) return *this;
    sqlite3_bind_text(stmt_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int64_t v) {
    if (!stmt_) return *this;
    sqlite3_bind_int64(stmt_, ++n_, v);
    return *this;
  }
  // SQLITE_ROW / SQLITE_DONE / error
  int step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }
  Status error() const { return ioError(std::string("sqlite: ") + sqlite3_errmsg(db_)); }
  Status run() {
    int rc = step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return error();
    return Status::ok();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int n_ = 0;
};

class SqliteMetadataStore : public MetadataStore, public AccountStore {
 public:
  ~SqliteMetadataStore() override {
    for (auto& [_, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
  }

  Status open(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) return ioError("sqlite open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
    sqlite3_busy_timeout(db_, 30000);
    WEIR_RETURN_IF_ERROR(exec("PRAGMA journal_mode=WAL"));
    WEIR_RETURN_IF_ERROR(exec("PRAGMA synchronous=FULL"));
    WEIR_RETURN_IF_ERROR(exec("PRAGMA foreign_keys=OFF"));
    WEIR_RETURN_IF_ERROR(exec(kSchema));
    return Status::ok();
  }

  Status writeTransaction(const std::function<Status()>& fn) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (in_txn_) return fn();
    WEIR_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    in_txn_ = true;
    Status s = fn();
    in_txn_ = false;
    if (!s.isOk()) {
      (void)exec("ROLLBACK");
      return s;
    }
    Status c = exec("COMMIT");
    if (!c.isOk()) (void)exec("ROLLBACK");
    return c;
  }

  Result<std::optional<int64_t>> blobSize(const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT size FROM blobs WHERE digest=?");
    st.bind(digest);
    return optionalInt(st);
  }

  Result<std::optional<int64_t>> repoBlobSize(const std::string& repo, const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT b.size FROM repo_blobs r JOIN blobs b ON b.digest=r.digest WHERE r.repo=? AND r.digest=?");
    st.bind(repo).bind(digest);
    return optionalInt(st);
  }

  Status putBlob(const std::string& digest, int64_t size, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "INSERT INTO blobs(digest,size,touched) VALUES(?,?,?) "
        "ON CONFLICT(digest) DO UPDATE SET touched=excluded.touched");
    st.bind(digest).bind(size).bind(now);
    return st.run();
  }

  Status touchBlob(const std::string& digest, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("UPDATE blobs SET touched=? WHERE digest=? AND touched<?");
    st.bind(now).bind(digest).bind(now);
    return st.run();
  }

  Status linkBlob(const std::string& repo, const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    WEIR_RETURN_IF_ERROR(ensureRepo(repo));
    auto st = prepare("INSERT OR IGNORE INTO repo_blobs(repo,digest) VALUES(?,?)");
    st.bind(repo).bind(digest);
    return st.run();
  }

  Result<bool> unlinkBlob(const std::string& repo, const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM repo_blobs WHERE repo=? AND digest=?");
    st.bind(repo).bind(digest);
    WEIR_RETURN_IF_ERROR(st.run());
    return sqlite3_changes(db_) > 0;
  }

  Status deleteBlob(const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    {
      auto st = prepare("DELETE FROM repo_blobs WHERE digest=?");
      st.bind(digest);
      WEIR_RETURN_IF_ERROR(st.run());
    }
    auto st = prepare("DELETE FROM blobs WHERE digest=?");
    st.bind(digest);
    return st.run();
  }

  Result<bool> blobReferenced(const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT 1 WHERE EXISTS(SELECT 1 FROM manifests WHERE digest=?1) "
        "OR EXISTS(SELECT 1 FROM manifest_refs WHERE child=?1)");
    st.bind(digest);
    int rc = st.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return st.error();
  }

  Result<std::vector<BlobRow>> unreferencedBlobs(int64_t before) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT b.digest, b.size, b.touched FROM blobs b WHERE b.touched < ? "
        "AND NOT EXISTS(SELECT 1 FROM manifests m WHERE m.digest=b.digest) "
        "AND NOT EXISTS(SELECT 1 FROM manifest_refs r WHERE r.child=b.digest) ORDER BY b.digest");
    st.bind(before);
    std::vector<BlobRow> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return st.error();
      out.push_back(BlobRow{st.text(0), st.integer(1), st.integer(2)});
    }
    return out;
  }

  Result<std::optional<ManifestRecord>> manifest(const std::string& repo, const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT repo,digest,media_type,size,artifact_type,subject,annotations,created FROM manifests "
        "WHERE repo=? AND digest=?");
    st.bind(repo).bind(digest);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<ManifestRecord>();
    if (rc != SQLITE_ROW) return st.error();
    return std::optional<ManifestRecord>(row(st));
  }

  Status putManifest(const ManifestRecord& m, const std::vector<ManifestRef>& refs) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    WEIR_RETURN_IF_ERROR(ensureRepo(m.repo));
    {
      auto st = prepare(
          "INSERT INTO manifests(repo,digest,media_type,size,artifact_type,subject,annotations,created) "
          "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(repo,digest) DO NOTHING");
      st.bind(m.repo).bind(m.digest).bind(m.media_type).bind(m.size).bind(m.artifact_type).bind(m.subject)
          .bind(m.annotations_json).bind(m.created);
      WEIR_RETURN_IF_ERROR(st.run());
    }
    for (const auto& r : refs) {
      auto st = prepare("INSERT OR IGNORE INTO manifest_refs(repo,manifest,child,is_manifest) VALUES(?,?,?,?)");
      st.bind(m.repo).bind(m.digest).bind(r.digest).bind(int64_t{r.is_manifest ? 1 : 0});
      WEIR_RETURN_IF_ERROR(st.run());
    }
    return Status::ok();
  }

  Result<bool> deleteManifest(const std::string& repo, const std::string& digest) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    bool existed = false;
    {
      auto st = prepare("DELETE FROM manifests WHERE repo=? AND digest=?");
      st.bind(repo).bind(digest);
      WEIR_RETURN_IF_ERROR(st.run());
      existed = sqlite3_changes(db_) > 0;
    }
    {
      auto st = prepare("DELETE FROM manifest_refs WHERE repo=? AND manifest=?");
      st.bind(repo).bind(digest);
      WEIR_RETURN_IF_ERROR(st.run());
    }
    auto st = prepare("DELETE FROM tags WHERE repo=? AND digest=?");
    st.bind(repo).bind(digest);
    WEIR_RETURN_IF_ERROR(st.run());
    return existed;
  }

  Result<std::optional<std::string>> resolveTag(const std::string& repo, const std::string& tag) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT digest FROM tags WHERE repo=? AND tag=?");
    st.bind(repo).bind(tag);
    return optionalText(st);
  }

  Status setTag(const std::string& repo, const std::string& tag, const std::string& digest, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "INSERT INTO tags(repo,tag,digest,updated) VALUES(?,?,?,?) "
        "ON CONFLICT(repo,tag) DO UPDATE SET digest=excluded.digest, updated=excluded.updated");
    st.bind(repo).bind(tag).bind(digest).bind(now);
    return st.run();
  }

  Result<bool> deleteTag(const std::string& repo, const std::string& tag) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM tags WHERE repo=? AND tag=?");
    st.bind(repo).bind(tag);
    WEIR_RETURN_IF_ERROR(st.run());
    return sqlite3_changes(db_) > 0;
  }

  Result<std::vector<std::string>> tags(const std::string& repo, const std::string& after, int64_t limit) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT tag FROM tags WHERE repo=? AND tag>? ORDER BY tag COLLATE BINARY LIMIT ?");
    st.bind(repo).bind(after).bind(limit);
    return textColumn(st);
  }

  Result<std::vector<ManifestRecord>> referrers(const std::string& repo, const std::string& subject) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT repo,digest,media_type,size,artifact_type,subject,annotations,created FROM manifests "
        "WHERE repo=? AND subject=? ORDER BY digest");
    st.bind(repo).bind(subject);
    std::vector<ManifestRecord> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return st.error();
      out.push_back(row(st));
    }
    return out;
  }

  Result<bool> repoExists(const std::string& repo) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT 1 FROM repos WHERE name=?");
    st.bind(repo);
    int rc = st.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return st.error();
  }

  Result<std::vector<std::string>> repositories(const std::string& after, int64_t limit) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT name FROM repos WHERE name>? ORDER BY name COLLATE BINARY LIMIT ?");
    st.bind(after).bind(limit);
    return textColumn(st);
  }

  Status putUpload(const std::string& id, const std::string& repo, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("INSERT INTO uploads(id,repo,started) VALUES(?,?,?)");
    st.bind(id).bind(repo).bind(now);
    return st.run();
  }

  Result<std::optional<std::string>> uploadRepo(const std::string& id) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT repo FROM uploads WHERE id=?");
    st.bind(id);
    return optionalText(st);
  }

  Status deleteUpload(const std::string& id) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM uploads WHERE id=?");
    st.bind(id);
    return st.run();
  }

  Result<std::vector<std::string>> uploadsStartedBefore(int64_t before) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT id FROM uploads WHERE started<? ORDER BY id");
    st.bind(before);
    return textColumn(st);
  }

  AccountStore* accounts() override { return this; }

  // --- AccountStore ---

  Status createAccount(const Account& a) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("INSERT OR IGNORE INTO accounts(name,kind,password_hash,created) VALUES(?,?,?,?)");
    st.bind(a.name).bind(static_cast<int64_t>(a.kind == AccountKind::kOrg ? 1 : 0)).bind(a.password_hash).bind(a.created);
    WEIR_RETURN_IF_ERROR(st.run());
    if (sqlite3_changes(db_) == 0) return failedPrecondition("the name " + a.name + " is taken");
    return Status::ok();
  }

  Result<std::optional<Account>> account(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT name,kind,password_hash,created FROM accounts WHERE name=?");
    st.bind(name);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<Account>();
    if (rc != SQLITE_ROW) return st.error();
    Account a{st.text(0), st.integer(1) == 1 ? AccountKind::kOrg : AccountKind::kUser, st.text(2), st.integer(3)};
    return std::optional<Account>(std::move(a));
  }

  Status setMember(const Membership& m) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "INSERT INTO members(org,user,role) VALUES(?,?,?) ON CONFLICT(org,user) DO UPDATE SET role=excluded.role");
    st.bind(m.org).bind(m.user).bind(m.role);
    return st.run();
  }

  Result<bool> removeMember(const std::string& org, const std::string& user) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM members WHERE org=? AND user=?");
    st.bind(org).bind(user);
    WEIR_RETURN_IF_ERROR(st.run());
    return sqlite3_changes(db_) > 0;
  }

  Result<std::vector<Membership>> members(const std::string& org) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT org,user,role FROM members WHERE org=? ORDER BY user");
    st.bind(org);
    return membershipRows(st);
  }

  Result<std::vector<Membership>> memberships(const std::string& user) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT org,user,role FROM members WHERE user=? ORDER BY org");
    st.bind(user);
    return membershipRows(st);
  }

  Result<std::optional<std::string>> role(const std::string& org, const std::string& user) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT role FROM members WHERE org=? AND user=?");
    st.bind(org).bind(user);
    return optionalText(st);
  }

  Status putToken(const ApiTokenRecord& t) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "INSERT INTO api_tokens(id,user,name,secret_hash,scopes,created,last_used) VALUES(?,?,?,?,?,?,?)");
    st.bind(t.id).bind(t.user).bind(t.name).bind(t.secret_hash).bind(t.scopes).bind(t.created).bind(t.last_used);
    return st.run();
  }

  Result<std::optional<ApiTokenRecord>> tokenBySecretHash(const std::string& secret_hash) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT id,user,name,secret_hash,scopes,created,last_used FROM api_tokens WHERE secret_hash=?");
    st.bind(secret_hash);
    auto rows = tokenRows(st);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<ApiTokenRecord>();
    return std::optional<ApiTokenRecord>(std::move(rows->front()));
  }

  Result<std::vector<ApiTokenRecord>> tokens(const std::string& user) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT id,user,name,secret_hash,scopes,created,last_used FROM api_tokens WHERE user=? ORDER BY created,id");
    st.bind(user);
    return tokenRows(st);
  }

  Result<bool> deleteToken(const std::string& user, const std::string& id) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM api_tokens WHERE user=? AND id=?");
    st.bind(user).bind(id);
    WEIR_RETURN_IF_ERROR(st.run());
    return sqlite3_changes(db_) > 0;
  }

  Status touchToken(const std::string& id, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    // At most one write a minute per token: a pull storm must not turn into a write storm.
    auto st = prepare("UPDATE api_tokens SET last_used=? WHERE id=? AND last_used<?");
    st.bind(now).bind(id).bind(now - 60);
    return st.run();
  }

  Status putSession(const SessionRecord& s) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    {
      auto purge = prepare("DELETE FROM sessions WHERE expires<?");
      purge.bind(s.expires - 30 * 86400);
      WEIR_RETURN_IF_ERROR(purge.run());
    }
    auto st = prepare("INSERT OR REPLACE INTO sessions(id_hash,user,expires) VALUES(?,?,?)");
    st.bind(s.id_hash).bind(s.user).bind(s.expires);
    return st.run();
  }

  Result<std::optional<SessionRecord>> session(const std::string& id_hash, int64_t now) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT id_hash,user,expires FROM sessions WHERE id_hash=? AND expires>=?");
    st.bind(id_hash).bind(now);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<SessionRecord>();
    if (rc != SQLITE_ROW) return st.error();
    return std::optional<SessionRecord>(SessionRecord{st.text(0), st.text(1), st.integer(2)});
  }

  Status deleteSession(const std::string& id_hash) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("DELETE FROM sessions WHERE id_hash=?");
    st.bind(id_hash);
    return st.run();
  }

  Result<std::optional<RepoRecord>> repo(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "SELECT name,owner,private,description,artifact_description,readme,language,abi_versions,latest_tag,"
        "updated,pulls,stars FROM repo_info WHERE name=?");
    st.bind(name);
    auto rows = repoRows(st);
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<RepoRecord>();
    return std::optional<RepoRecord>(std::move(rows->front()));
  }

  Status recordPush(const RepoRecord& r) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare(
        "INSERT INTO repo_info(name,owner,private,description,artifact_description,readme,language,abi_versions,"
        "latest_tag,updated,pulls,stars) VALUES(?,?,?,'',?,?,?,?,?,?,0,0) ON CONFLICT(name) DO UPDATE SET "
        "artifact_description=excluded.artifact_description,readme=excluded.readme,language=excluded.language,"
        "abi_versions=excluded.abi_versions,latest_tag=excluded.latest_tag,updated=excluded.updated");
    st.bind(r.name).bind(r.owner).bind(static_cast<int64_t>(r.is_private)).bind(r.artifact_description).bind(r.readme);
    st.bind(r.language).bind(r.abi_versions).bind(r.latest_tag).bind(r.updated);
    return st.run();
  }

  Status setRepoSettings(const std::string& name, const std::string& description, bool is_private) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("UPDATE repo_info SET description=?, private=? WHERE name=?");
    st.bind(description).bind(static_cast<int64_t>(is_private)).bind(name);
    WEIR_RETURN_IF_ERROR(st.run());
    if (sqlite3_changes(db_) == 0) return notFound("no repository " + name);
    return Status::ok();
  }

  Status countPull(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("UPDATE repo_info SET pulls=pulls+1 WHERE name=?");
    st.bind(name);
    return st.run();
  }

  Status setStar(const std::string& user, const std::string& repo, bool on) override {
    return writeTransaction([&]() -> Status {
      auto st = on ? prepare("INSERT OR IGNORE INTO stars(user,repo) VALUES(?,?)")
                   : prepare("DELETE FROM stars WHERE user=? AND repo=?");
      st.bind(user).bind(repo);
      WEIR_RETURN_IF_ERROR(st.run());
      if (sqlite3_changes(db_) == 0) return Status::ok();
      auto count = prepare("UPDATE repo_info SET stars=stars+? WHERE name=?");
      count.bind(static_cast<int64_t>(on ? 1 : -1)).bind(repo);
      return count.run();
    });
  }

  Result<bool> starred(const std::string& user, const std::string& repo) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto st = prepare("SELECT 1 FROM stars WHERE user=? AND repo=?");
    st.bind(user).bind(repo);
    int rc = st.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return st.error();
  }

  Result<std::vector<RepoRecord>> searchRepos(const RepoQuery& q) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    // One statement for every combination of filters (an empty filter matches
    // all), so it is prepared once; LIKE patterns are escaped with '\'.
    auto st = prepare(
        "SELECT name,owner,private,description,artifact_description,readme,language,abi_versions,latest_tag,"
        "updated,pulls,stars FROM repo_info WHERE "
        "(private=0 OR (?<>'' AND (owner=? OR owner IN (SELECT org FROM members WHERE user=?)))) "
        "AND (?='' OR name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' "
        "     OR artifact_description LIKE ? ESCAPE '\\' OR owner LIKE ? ESCAPE '\\') "
        "AND (?='' OR owner=?) AND (?='' OR language=?) AND (?='' OR abi_versions LIKE ? ESCAPE '\\') "
        "ORDER BY CASE ? WHEN 'pulls' THEN pulls WHEN 'stars' THEN stars WHEN 'name' THEN 0 ELSE updated END DESC, "
        "name LIMIT ? OFFSET ?");
    const std::string text = likePattern(q.text), abi = likePattern(q.abi);
    st.bind(q.viewer).bind(q.viewer).bind(q.viewer);
    st.bind(q.text).bind(text).bind(text).bind(text).bind(text);
    st.bind(q.owner).bind(q.owner).bind(q.language).bind(q.language).bind(q.abi).bind(abi);
    st.bind(q.sort).bind(q.limit).bind(q.offset);
    return repoRows(st);
  }

 private:
  static std::string likePattern(const std::string& s) {
    std::string out = "%";
    for (char c : s) {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
    return out + "%";
  }
  static Result<std::vector<Membership>> membershipRows(Statement& st) {
    std::vector<Membership> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return st.error();
      out.push_back(Membership{st.text(0), st.text(1), st.text(2)});
    }
  }
  static Result<std::vector<ApiTokenRecord>> tokenRows(Statement& st) {
    std::vector<ApiTokenRecord> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return st.error();
      out.push_back(ApiTokenRecord{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5),
                                   st.integer(6)});
    }
  }
  static Result<std::vector<RepoRecord>> repoRows(Statement& st) {
    std::vector<RepoRecord> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return st.error();
      RepoRecord r;
      r.name = st.text(0);
      r.owner = st.text(1);
      r.is_private = st.integer(2) != 0;
      r.description = st.text(3);
      r.artifact_description = st.text(4);
      r.readme = st.text(5);
      r.language = st.text(6);
      r.abi_versions = st.text(7);
      r.latest_tag = st.text(8);
      r.updated = st.integer(9);
      r.pulls = st.integer(10);
      r.stars = st.integer(11);
      out.push_back(std::move(r));
    }
  }
  Status exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return ioError("sqlite: " + msg);
    }
    return Status::ok();
  }

  Statement prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Statement(db_, it->second);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      // A statement that fails to prepare is a programming error; surface it on step().
      return Statement(db_, nullptr);
    }
    cache_.emplace(sql, stmt);
    return Statement(db_, stmt);
  }

  Status ensureRepo(const std::string& repo) {
    auto st = prepare("INSERT OR IGNORE INTO repos(name) VALUES(?)");
    st.bind(repo);
    return st.run();
  }

  static ManifestRecord row(Statement& st) {
    ManifestRecord m;
    m.repo = st.text(0);
    m.digest = st.text(1);
    m.media_type = st.text(2);
    m.size = st.integer(3);
    m.artifact_type = st.text(4);
    m.subject = st.text(5);
    m.annotations_json = st.text(6);
    m.created = st.integer(7);
    return m;
  }

  static Result<std::optional<int64_t>> optionalInt(Statement& st) {
    int rc = st.step();
    if (rc == SQLITE_ROW) return std::optional<int64_t>(st.integer(0));
    if (rc == SQLITE_DONE) return std::optional<int64_t>();
    return st.error();
  }
  static Result<std::optional<std::string>> optionalText(Statement& st) {
    int rc = st.step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(st.text(0));
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return st.error();
  }
  static Result<std::vector<std::string>> textColumn(Statement& st) {
    std::vector<std::string> out;
    for (;;) {
      int rc = st.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return st.error();
      out.push_back(st.text(0));
    }
    return out;
  }

  std::recursive_mutex mutex_;
  sqlite3* db_ = nullptr;
  bool in_txn_ = false;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> openSqliteMetadataStore(const std::string& path) {
  auto store = std::make_unique<SqliteMetadataStore>();
  WEIR_RETURN_IF_ERROR(store->open(path));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace weir::hub
