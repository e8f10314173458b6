// Background jobs: long work (scan, reload, import, export) runs here, never on HTTP threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace classifai {

/// A fixed pool of worker threads running queued jobs in submission order.
///
/// Thread-safe. stop() lets running jobs reach a safe point (they poll stopping()) and drops jobs
/// that have not started; the destructor calls stop().
class JobRunner {
public:
    using Job = std::function<void()>;

    explicit JobRunner(int threads);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    /// Queues a job; `name` appears in the log if it fails. Returns false once stopping.
    bool submit(const std::string& name, Job job);
    /// True once stop() was called: jobs check it between steps and end early.
    bool stopping() const { return _stopping.load(); }
    /// The flag behind stopping(), for code that polls a std::atomic<bool>*.
    const std::atomic<bool>* stoppingFlag() const { return &_stopping; }
    /// Stops accepting jobs, waits for running ones to return.
    void stop();

private:
    void work();

    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<std::pair<std::string, Job>> _queue;
    std::atomic<bool> _stopping{false};
    std::vector<std::thread> _threads;
};

} // namespace classifai
