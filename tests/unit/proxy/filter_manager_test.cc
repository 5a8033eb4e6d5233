// FilterManager with fake filters: order, statuses, resume from a timer,
// local replies, buffer limits.
#include "proxy/filter_manager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weir::proxy {
namespace {

class FakeCodec : public FilterManagerCallbacks {
 public:
  explicit FakeCodec(event::Dispatcher& d) : dispatcher_(d) {}
  void encodeHeadersToCodec(http::HeaderMap& headers, bool end_stream) override {
    status = headers.status();
    if (end_stream) done = true;
  }
  void encode1xxHeadersToCodec(http::HeaderMap&) override {}
  void encodeDataToCodec(Buffer& data, bool end_stream) override {
    body += data.toString();
    if (end_stream) done = true;
  }
  void encodeTrailersToCodec(http::HeaderMap&) override { done = true; }
  void onStreamReset() override { reset = true; }
  void readDisableDownstream(bool disable) override { read_disabled += disable ? 1 : -1; }
  std::optional<MatchedRoute> evaluateRoute(const http::HeaderMap&) override { return std::nullopt; }
  const RouteSpecificFilterConfig* perFilterConfig(const MatchedRoute&, std::string_view) override {
    return nullptr;
  }
  bool onBeforeTerminalFilter(FilterManager&) override { return false; }
  event::Dispatcher& dispatcher() override { return dispatcher_; }
  const net::Connection* connection() const override { return nullptr; }
  upstream::ThreadLocalClusterManager* clusterManager() override { return nullptr; }

  event::Dispatcher& dispatcher_;
  int status = 0;
  std::string body;
  bool done = false;
  bool reset = false;
  int read_disabled = 0;
};

// Records calls into a shared trace; behaviour set per test.
class Recorder : public PassThroughFilter {
 public:
  Recorder(std::string name, std::vector<std::string>& trace) : name_(std::move(name)), trace_(trace) {}
  FilterHeadersStatus decodeHeaders(http::HeaderMap&, bool) override {
    trace_.push_back(name_ + ".decodeHeaders");
    return on_decode_headers;
  }
  FilterDataStatus decodeData(Buffer& data, bool end) override {
    trace_.push_back(name_ + ".decodeData(" + data.toString() + (end ? ",end)" : ")"));
    return on_decode_data;
  }
  FilterHeadersStatus encodeHeaders(http::HeaderMap&, bool) override {
    trace_.push_back(name_ + ".encodeHeaders");
    return FilterHeadersStatus::kContinue;
  }
  void onDestroy() override { trace_.push_back(name_ + ".onDestroy"); }
  StreamDecoderFilterCallbacks* decoder() { return decoder_callbacks_; }

  FilterHeadersStatus on_decode_headers = FilterHeadersStatus::kContinue;
  FilterDataStatus on_decode_data = FilterDataStatus::kContinue;

 private:
  std::string name_;
  std::vector<std::string>& trace_;
};

// Terminal: answers "ok" once the request is complete.
class Responder : public PassThroughDecoderFilter {
 public:
  explicit Responder(std::vector<std::string>& trace) : trace_(trace) {}
  FilterHeadersStatus decodeHeaders(http::HeaderMap&, bool end) override {
    trace_.push_back("T.decodeHeaders");
    if (end) respond();
    return FilterHeadersStatus::kStopIteration;
  }
  FilterDataStatus decodeData(Buffer& data, bool end) override {
    trace_.push_back("T.decodeData(" + data.toString() + (end ? ",end)" : ")"));
    if (end) respond();
    return FilterDataStatus::kStopIterationNoBuffer;
  }
  void respond() {
    auto h = std::make_unique<http::HeaderMap>();
    h->setStatus(200);
    decoder_callbacks_->encodeHeaders(std::move(h), false, "test");
    Buffer b{"ok"};
    decoder_callbacks_->encodeData(b, true);
  }
  std::vector<std::string>& trace_;
};

class FilterManagerTest : public ::testing::Test {
 protected:
  FilterManagerTest() : dispatcher_("test"), codec_(dispatcher_) {}

  void build(uint32_t limit = 1024) {
    manager_ = std::make_unique<FilterManager>(codec_, info_, 1, limit);
    chain_.clear();
    chain_.push_back({"a", [this](FilterChainFactoryCallbacks& cb) { cb.addStreamFilter(a_); }, false});
    chain_.push_back({"b", [this](FilterChainFactoryCallbacks& cb) { cb.addStreamFilter(b_); }, false});
    chain_.push_back({"t", [this](FilterChainFactoryCallbacks& cb) { cb.addStreamDecoderFilter(t_); }, true});
    manager_->createFilterChain(chain_);
  }
  std::unique_ptr<http::HeaderMap> request() {
    auto h = std::make_unique<http::HeaderMap>();
    h->setMethod("POST");
    h->setPath("/");
    return h;
  }

  event::Dispatcher dispatcher_;
  FakeCodec codec_;
  StreamInfo info_;
  std::vector<std::string> trace_;
  std::shared_ptr<Recorder> a_ = std::make_shared<Recorder>("A", trace_);
  std::shared_ptr<Recorder> b_ = std::make_shared<Recorder>("B", trace_);
  std::shared_ptr<Responder> t_ = std::make_shared<Responder>(trace_);
  std::vector<FilterChainEntry> chain_;  // outlives manager_, which keeps views of its names
  std::unique_ptr<FilterManager> manager_;
};

TEST_F(FilterManagerTest, DecodesInConfigOrderAndEncodesInReverse) {
  build();
  manager_->decodeHeaders(request(), true);
  EXPECT_EQ(trace_, (std::vector<std::string>{"A.decodeHeaders", "B.decodeHeaders", "T.decodeHeaders",
                                              "B.encodeHeaders", "A.encodeHeaders"}));
  EXPECT_EQ(codec_.status, 200);
  EXPECT_EQ(codec_.body, "ok");
  EXPECT_TRUE(codec_.done);
}

TEST_F(FilterManagerTest, StopAllBuffersBodyUntilResumedFromTimer) {
  build();
  a_->on_decode_headers = FilterHeadersStatus::kStopAllIterationAndBuffer;
  manager_->decodeHeaders(request(), false);
  Buffer one{"he"};
  manager_->decodeData(one, false);
  Buffer two{"llo"};
  manager_->decodeData(two, true);
  EXPECT_EQ(trace_, (std::vector<std::string>{"A.decodeHeaders"}));
  auto timer = dispatcher_.createTimer([&] {
    a_->decoder()->continueDecoding();
    dispatcher_.exit();
  });
  timer->enable(std::chrono::milliseconds(1));
  dispatcher_.run();
  EXPECT_EQ(trace_, (std::vector<std::string>{"A.decodeHeaders", "B.decodeHeaders", "T.decodeHeaders",
                                              "B.decodeData(hello,end)", "T.decodeData(hello,end)",
                                              "B.encodeHeaders", "A.encodeHeaders"}));
  EXPECT_EQ(codec_.body, "ok");
}

TEST_F(FilterManagerTest, StopIterationOnHeadersStillFeedsDataToTheStoppedFilter) {
  build();
  a_->on_decode_headers = FilterHeadersStatus::kStopIteration;
  manager_->decodeHeaders(request(), false);
  Buffer data{"x"};
  manager_->decodeData(data, true);
  // Continue from decodeData releases the headers, then the data.
  EXPECT_EQ(trace_, (std::vector<std::string>{"A.decodeHeaders", "A.decodeData(x,end)", "B.decodeHeaders",
                                              "T.decodeHeaders", "B.decodeData(x,end)",
                                              "T.decodeData(x,end)", "B.encodeHeaders",
                                              "A.encodeHeaders"}));
}

TEST_F(FilterManagerTest, BufferedRequestOverLimitGets413) {
  build(4);
  b_->on_decode_data = FilterDataStatus::kStopIterationAndBuffer;
  manager_->decodeHeaders(request(), false);
  Buffer data{"too long"};
  manager_->decodeData(data, false);
  EXPECT_EQ(codec_.status, 413);
  EXPECT_TRUE(codec_.done);
  EXPECT_EQ(info_.response_code_details, "request_payload_too_large");
}

TEST_F(FilterManagerTest, WatermarkStatusPausesReadingInsteadOfFailing) {
  build(4);
  b_->on_decode_data = FilterDataStatus::kStopIterationAndWatermark;
  manager_->decodeHeaders(request(), false);
  Buffer data{"too long"};
  manager_->decodeData(data, false);
  EXPECT_EQ(codec_.status, 0);
  EXPECT_EQ(codec_.read_disabled, 1);
  b_->on_decode_data = FilterDataStatus::kContinue;
  b_->decoder()->continueDecoding();
  EXPECT_EQ(codec_.read_disabled, 0);
}

TEST_F(FilterManagerTest, LocalReplyFromDecodeHeadersSkipsLaterFilters) {
  class Replier : public PassThroughFilter {
   public:
    FilterHeadersStatus decodeHeaders(http::HeaderMap&, bool) override {
      decoder_callbacks_->sendLocalReply(403, "denied", nullptr, "test_denied");
      return FilterHeadersStatus::kStopIteration;
    }
  };
  manager_ = std::make_unique<FilterManager>(codec_, info_, 1, 1024);
  auto replier = std::make_shared<Replier>();
  chain_ = {{"r", [&](FilterChainFactoryCallbacks& cb) { cb.addStreamFilter(replier); }, false},
            {"t", [this](FilterChainFactoryCallbacks& cb) { cb.addStreamDecoderFilter(t_); }, true}};
  manager_->createFilterChain(chain_);
  manager_->decodeHeaders(request(), true);
  EXPECT_EQ(codec_.status, 403);
  EXPECT_EQ(codec_.body, "denied");
  EXPECT_TRUE(trace_.empty());
  manager_->destroyFilters();
}

TEST_F(FilterManagerTest, OnDestroyIsCalledOncePerFilterObject) {
  build();
  manager_->decodeHeaders(request(), true);
  manager_->destroyFilters();
  manager_->destroyFilters();
  int destroyed_a = 0;
  for (const auto& t : trace_) destroyed_a += t == "A.onDestroy";
  EXPECT_EQ(destroyed_a, 1);
}

}  // namespace
}  // namespace weir::proxy
