#include "triggers/esm/curl_loop_client.h"

#include <exception>
#include <memory>

#include "runtime/base/log.h"

namespace stratus::esm {

struct CurlLoopClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body_in, body_out;
  std::function<void(CurlResponse)> done;
  char error[CURL_ERROR_SIZE] = {0};
};

struct CurlLoopClient::Socket {
  uv_poll_t poll;
  curl_socket_t fd;
  CurlLoopClient* owner;
};

namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

CurlLoopClient::CurlLoopClient(Loop& loop) : loop_(loop), multi_(curl_multi_init()), timer_(new uv_timer_t) {
  uv_timer_init(loop_.raw(), timer_);
  timer_->data = this;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlLoopClient::onSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlLoopClient::onTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlLoopClient::~CurlLoopClient() {
  // Transfers still running are dropped unanswered (the server is stopping).
  curl_multi_cleanup(multi_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void CurlLoopClient::send(CurlRequest request, std::function<void(CurlResponse)> done) {
  auto* t = new Transfer;
  t->easy = curl_easy_init();
  t->body_in = std::move(request.body);
  t->done = std::move(done);
  for (const auto& [k, v] : request.headers) t->headers = curl_slist_append(t->headers, (k + ": " + v).c_str());
  t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(t->easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !t->body_in.empty()) {
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body_in.data());
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body_in.size()));
  }
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, &t->body_out);
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_multi_add_handle(multi_, t->easy);  // curl asks for a timer; the transfer starts from it
}

int CurlLoopClient::onTimer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlLoopClient*>(self_ptr);
  if (timeout_ms < 0) {
    uv_timer_stop(self->timer_);
    return 0;
  }
  uv_timer_start(self->timer_, [](uv_timer_t* h) {
    static_cast<CurlLoopClient*>(h->data)->act(CURL_SOCKET_TIMEOUT, 0);
  }, static_cast<uint64_t>(timeout_ms), 0);
  return 0;
}

int CurlLoopClient::onSocket(CURL*, curl_socket_t fd, int action, void* self_ptr, void* socket_ptr) {
  auto* self = static_cast<CurlLoopClient*>(self_ptr);
  auto* s = static_cast<Socket*>(socket_ptr);
  if (action == CURL_POLL_REMOVE) {
    if (s) {
      uv_poll_stop(&s->poll);
      curl_multi_assign(self->multi_, fd, nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
    }
    return 0;
  }
  if (!s) {
    s = new Socket;
    s->fd = fd;
    s->owner = self;
    uv_poll_init_socket(self->loop_.raw(), &s->poll, fd);
    s->poll.data = s;
    curl_multi_assign(self->multi_, fd, s);
  }
  int events = 0;
  if (action & CURL_POLL_IN) events |= UV_READABLE;
  if (action & CURL_POLL_OUT) events |= UV_WRITABLE;
  uv_poll_start(&s->poll, events, [](uv_poll_t* p, int status, int ready) {
    auto* s = static_cast<Socket*>(p->data);
    int flags = 0;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if (ready & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (ready & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    s->owner->act(s->fd, flags);
  });
  return 0;
}

void CurlLoopClient::act(curl_socket_t fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
  finishDone();
}

void CurlLoopClient::finishDone() {
  // Collected first, answered after: an answer may start new transfers.
  std::vector<std::unique_ptr<Transfer>> finished;
  std::vector<CURLcode> results;
  int pending = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &pending)) {
    if (m->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    results.push_back(m->data.result);
    curl_multi_remove_handle(multi_, m->easy_handle);
    finished.emplace_back(t);
  }
  for (size_t i = 0; i < finished.size(); ++i) {
    Transfer& t = *finished[i];
    CurlResponse r;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = std::move(t.body_out);
    if (results[i] != CURLE_OK) r.error = t.error[0] ? t.error : curl_easy_strerror(results[i]);
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
    try {
      t.done(std::move(r));
    } catch (const std::exception& e) {
      logError(std::string("an HTTP answer's callback failed: ") + e.what());
    } catch (...) {
      logError("an HTTP answer's callback failed");
    }
  }
}

}  // namespace stratus::esm
