#include "project/JobRunner.hpp"

#include <Poco/Logger.h>

#include <fmt/format.h>

namespace classifai {

JobRunner::JobRunner(int threads) {
    for (int i = 0; i < threads; ++i) {
        _threads.emplace_back([this] { work(); });
    }
}

JobRunner::~JobRunner() {
    stop();
}

bool JobRunner::submit(const std::string& name, Job job) {
    {
        std::lock_guard lock(_mutex);
        if (_stopping) {
            return false;
        }
        _queue.emplace_back(name, std::move(job));
    }
    _wake.notify_one();
    return true;
}

void JobRunner::stop() {
    {
        std::lock_guard lock(_mutex);
        if (_stopping && _threads.empty()) {
            return;
        }
        _stopping = true;
        _queue.clear();
    }
    _wake.notify_all();
    for (auto& thread : _threads) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    _threads.clear();
}

void JobRunner::work() {
    for (;;) {
        std::pair<std::string, Job> next;
        {
            std::unique_lock lock(_mutex);
            _wake.wait(lock, [this] { return _stopping || !_queue.empty(); });
            if (_queue.empty()) {
                return;
            }
            next = std::move(_queue.front());
            _queue.pop_front();
        }
        try {
            next.second();
        } catch (const std::exception& error) {
            Poco::Logger::get("classifai.jobs")
                .error(fmt::format("job {} failed: {}", next.first, error.what()));
        } catch (...) {
            Poco::Logger::get("classifai.jobs")
                .error(fmt::format("job {} failed with an unknown exception", next.first));
        }
    }
}

} // namespace classifai
