// Header-only helper the command-line dialog plugins share: find a program on PATH and run it
// with an argv (never a shell), capturing bounded stdout and stderr.
#pragma once

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace classifai::process {

/// What a finished program left behind.
struct ProcessResult {
    bool started = false; ///< false when the program could not be run at all (see `error`)
    int exitCode = -1;    ///< the exit status, or 128 + signal number when it was killed
    std::string out;      ///< standard output, at most kMaxCaptureBytes
    std::string err;      ///< standard error, at most kMaxCaptureBytes
    std::string error;    ///< why it could not be started
};

/// A path or a dialog answer is short; anything longer is noise we do not keep.
inline constexpr std::size_t kMaxCaptureBytes = 64 * 1024;

/// The absolute path of `name` found on PATH (or `name` itself when it contains a '/' and is
/// executable), or nothing.
inline std::optional<std::string> findExecutable(const std::string& name) {
    auto executable = [](const std::string& path) {
        struct stat info {};
        return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
               ::access(path.c_str(), X_OK) == 0;
    };
    if (name.empty()) {
        return std::nullopt;
    }
    if (name.find('/') != std::string::npos) {
        return executable(name) ? std::optional<std::string>(name) : std::nullopt;
    }
    const char* pathVariable = std::getenv("PATH");
    std::string path = pathVariable ? pathVariable : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        std::string folder = path.substr(start, end - start);
        if (!folder.empty()) {
            std::string candidate = folder + "/" + name;
            if (executable(candidate)) {
                return candidate;
            }
        }
        start = end + 1;
    }
    return std::nullopt;
}

/// Runs `argv[0]` (an absolute path) with `argv`, waits for it and returns what it printed.
///
/// The child gets no standard input, a clean signal mask (the server blocks SIGTERM in its
/// threads), default signal handlers, no other inherited descriptors, and on Linux dies with the
/// thread that started it, so a window never outlives the server. Blocks the calling thread;
/// thread-safe otherwise. Never throws except std::bad_alloc.
inline ProcessResult runProcess(const std::vector<std::string>& argv) {
    ProcessResult result;
    if (argv.empty()) {
        result.error = "no program given";
        return result;
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);

    int outPipe[2] = {-1, -1};
    int errPipe[2] = {-1, -1};
    if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0) {
        result.error = std::string("cannot create a pipe: ") + std::strerror(errno);
        for (int fd : {outPipe[0], outPipe[1], errPipe[0], errPipe[1]}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        return result;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
#if defined(__linux__)
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) {
            ::_exit(127);
        }
#endif
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        struct sigaction defaults {};
        defaults.sa_handler = SIG_DFL;
        for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGCHLD}) {
            ::sigaction(signal, &defaults, nullptr);
        }
        int devNull = ::open("/dev/null", O_RDONLY);
        if (devNull >= 0) {
            ::dup2(devNull, 0);
        }
        ::dup2(outPipe[1], 1);
        ::dup2(errPipe[1], 2);
#if defined(__linux__) && defined(SYS_close_range)
        if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
        {
            for (int fd = 3; fd < 65536; ++fd) {
                ::close(fd);
            }
        }
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (pid < 0) {
        result.error = std::string("cannot start a process: ") + std::strerror(errno);
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        return result;
    }
    result.started = true;

    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open = 2;
    char buffer[4096];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            ssize_t count = ::read(fds[i].fd, buffer, sizeof buffer);
            if (count < 0 && errno == EINTR) {
                continue;
            }
            if (count <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
                continue;
            }
            std::string& sink = *sinks[i];
            std::size_t room = kMaxCaptureBytes - std::min(sink.size(), kMaxCaptureBytes);
            sink.append(buffer, std::min(room, static_cast<std::size_t>(count)));
        }
    }
    for (const pollfd& fd : fds) {
        if (fd.fd >= 0) {
            ::close(fd.fd);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            result.exitCode = -1;
            result.error = std::string("cannot wait for the process: ") + std::strerror(errno);
            return result;
        }
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

} // namespace classifai::process
