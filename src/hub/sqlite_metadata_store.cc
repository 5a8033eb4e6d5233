// SQLite implementation of MetadataStore. One connection, guarded by a
// recursive mutex (writeTransaction's fn calls back into the store), WAL
// journal with synchronous=FULL: a COMMIT has reached the disk before the
// registry acknowledges a push. busy_timeout lets `weir hub gc` (another
// process) and the hub take turns on the write lock.
#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

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

class SqliteMetadataStore : public MetadataStore {
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

 private:
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
