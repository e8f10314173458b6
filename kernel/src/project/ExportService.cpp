#include "project/ExportService.hpp"

#include "plugin/Registry.hpp"
#include "project/JobRunner.hpp"
#include "store/ImageStore.hpp"
#include "store/ProjectStore.hpp"

#include <Poco/Checksum.h>
#include <Poco/DeflatingStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace classifai {

namespace fs = std::filesystem;

namespace {

Poco::Logger& exportLog() {
    return Poco::Logger::get("classifai.export");
}

// --- stored annotation_data -------------------------------------------------------------------

// The raw text of member `key` of the top-level object `text` (no re-serialisation, so the
// annotation list reaches exporters exactly as stored), or nothing.
std::optional<std::string> memberText(const std::string& text, const std::string& key) {
    int depth = 0;
    bool expectKey = false;
    std::string lastKey;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            const std::size_t start = i + 1;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\') {
                    ++i;
                }
            }
            if (depth == 1 && expectKey) {
                lastKey = text.substr(start, i - start);
            }
        } else if (c == '{' || c == '[') {
            ++depth;
            expectKey = depth == 1;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (depth == 1 && c == ',') {
            expectKey = true;
        } else if (depth == 1 && c == ':') {
            expectKey = false;
            if (lastKey != key) {
                continue;
            }
            std::size_t end = i + 1;
            int inner = 0;
            for (; end < text.size(); ++end) {
                const char d = text[end];
                if (d == '"') {
                    for (++end; end < text.size() && text[end] != '"'; ++end) {
                        if (text[end] == '\\') {
                            ++end;
                        }
                    }
                } else if (d == '{' || d == '[') {
                    ++inner;
                } else if (d == '}' || d == ']') {
                    if (inner == 0) {
                        break;
                    }
                    --inner;
                } else if (d == ',' && inner == 0) {
                    break;
                }
            }
            std::string value = text.substr(i + 1, end - i - 1);
            const auto first = value.find_first_not_of(" \t\r\n");
            if (first == std::string::npos) {
                return std::nullopt;
            }
            return value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
        }
    }
    return std::nullopt;
}

double numberMember(const std::string& text, const char* key) {
    auto value = memberText(text, key);
    return value ? std::strtod(value->c_str(), nullptr) : 0.0;
}

// --- the project view -------------------------------------------------------------------------

// Thrown inside the store walk when the exporter stopped reading early.
struct WalkCancelled {};

// A ProjectView over the database. ImageStore::forEachInProject pushes pages of rows; the
// exporter pulls with next(). A producer thread bridges the two through a small bounded queue,
// so at most one page plus the queue is ever in memory.
class StoreProjectView final : public sdk::ProjectView {
public:
    // `stopping` (may be null) ends the walk early with an error when the server shuts down.
    StoreProjectView(Database& database, ProjectRow project, const sdk::AnnotationType& type,
                     const std::atomic<bool>* stopping)
        : _database(database), _project(std::move(project)), _type(type), _stopping(stopping) {
        _imageCount = ImageStore(_database).countByProject(_project.id);
        _root = fs::path(_project.rootPath);
        std::error_code error;
        const fs::path canonical = fs::canonical(_root, error);
        if (!error) {
            _root = canonical;
        }
        Poco::JSON::Object::Ptr meta = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        meta->set("project_id", _project.id);
        meta->set("project_name", _project.name);
        meta->set("annotation_type", _project.annotationType);
        meta->set("project_path", _project.rootPath);
        meta->set("is_new", _project.isNew);
        meta->set("is_starred", _project.isStarred);
        meta->set("version_uuid", _project.versionUuid);
        meta->set("created_date", _project.createdAt);
        meta->set("last_modified_date", _project.modifiedAt);
        std::ostringstream text;
        meta->stringify(text);
        _metadata = text.str();
    }

    ~StoreProjectView() override { stopProducer(); }
    StoreProjectView(const StoreProjectView&) = delete;
    StoreProjectView& operator=(const StoreProjectView&) = delete;

    std::string projectName() const override { return _project.name; }
    std::string annotationType() const override { return _project.annotationType; }
    std::string rootPath() const override { return _project.rootPath; }
    std::vector<std::string> labels() const override { return _project.labels; }
    std::int64_t imageCount() const override { return _imageCount; }

    std::string metadataJson() const override {
        if (_currentUuid.empty()) {
            return _metadata;
        }
        // The image last returned by next(), with its stored annotation_data (the display
        // geometry the annotator saw), for formats that carry it verbatim (docs/plugins.md).
        std::string text = _metadata.substr(0, _metadata.size() - 1);
        text += ",\"current_image\":{\"uuid\":\"" + _currentUuid +
                "\",\"annotation_data\":" + _currentAnnotation + "}}";
        return text;
    }

    sdk::Result<bool> next(sdk::ExportImage& out) override {
        if (_stopping != nullptr && _stopping->load()) {
            return sdk::fail(sdk::ErrorKind::Cancelled, "the server is shutting down");
        }
        if (!_producer.joinable()) {
            _producer = std::thread([this] { produce(); });
        }
        ImageRow row;
        {
            std::unique_lock lock(_mutex);
            _wake.wait(lock, [this] { return !_queue.empty() || _finished; });
            if (_queue.empty()) {
                _currentUuid.clear();
                if (!_failure.empty()) {
                    return sdk::fail(sdk::ErrorKind::Internal,
                                     "cannot read the project's images: " + _failure);
                }
                return false;
            }
            row = std::move(_queue.front());
            _queue.pop_front();
        }
        _wake.notify_all();
        return fill(row, out);
    }

private:
    static constexpr std::size_t kQueueRows = 64;
    static constexpr std::size_t kPageRows = 256;

    void produce() {
        std::string failure;
        try {
            ImageStore(_database).forEachInProject(
                _project.id,
                [this](const ImageRow& row) {
                    std::unique_lock lock(_mutex);
                    _wake.wait(lock, [this] { return _queue.size() < kQueueRows || _cancel; });
                    if (_cancel) {
                        throw WalkCancelled{};
                    }
                    _queue.push_back(row);
                    lock.unlock();
                    _wake.notify_all();
                },
                kPageRows);
        } catch (const WalkCancelled&) {
        } catch (const std::exception& error) {
            failure = error.what();
        } catch (...) {
            failure = "unknown error";
        }
        {
            std::lock_guard lock(_mutex);
            _finished = true;
            _failure = failure;
        }
        _wake.notify_all();
    }

    void stopProducer() {
        {
            std::lock_guard lock(_mutex);
            _cancel = true;
        }
        _wake.notify_all();
        if (_producer.joinable()) {
            _producer.join();
        }
    }

    sdk::Result<bool> fill(ImageRow& row, sdk::ExportImage& out) {
        // Paths come from the database; a path that leaves the root is never opened.
        const fs::path relative = fs::path(row.relPath).lexically_normal();
        if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
            return sdk::fail(sdk::ErrorKind::Internal,
                             "image '" + row.relPath + "' has a path outside the project folder");
        }
        const fs::path absolute = _root / relative;
        std::error_code error;
        if (!fs::is_regular_file(absolute, error)) {
            return sdk::fail(sdk::ErrorKind::NotFound,
                             fmt::format("image '{}' is missing from the project folder {} "
                                         "(reload the project to drop vanished images)",
                                         row.relPath, _project.rootPath));
        }
        out.uuid = row.uuid;
        out.relativePath = row.relPath;
        out.absolutePath = absolute.string();
        out.fileSizeBytes = row.sizeBytes;
        out.geometry = sdk::ImageGeometry{row.width, row.height, row.depth};
        auto list = memberText(row.annotation, "annotation");
        out.annotationJson = list ? *list : "[]";
        const sdk::DisplayGeometry display{
            numberMember(row.annotation, "img_x"), numberMember(row.annotation, "img_y"),
            numberMember(row.annotation, "img_w"), numberMember(row.annotation, "img_h")};
        out.shapes.clear();
        sdk::Result<std::vector<sdk::Shape>> shapes =
            _type.toShapes(out.annotationJson, display, out.geometry);
        if (!shapes) {
            return sdk::fail(sdk::ErrorKind::Internal,
                             fmt::format("the annotations of image '{}' cannot be read: {}",
                                         row.relPath, shapes.error().message));
        }
        out.shapes = std::move(shapes.value());
        _currentUuid = row.uuid;
        _currentAnnotation = std::move(row.annotation);
        return true;
    }

    Database& _database;
    ProjectRow _project;
    const sdk::AnnotationType& _type;
    const std::atomic<bool>* _stopping;
    fs::path _root;
    std::int64_t _imageCount = 0;
    std::string _metadata;
    std::string _currentUuid;
    std::string _currentAnnotation;

    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<ImageRow> _queue;
    bool _finished = false;
    bool _cancel = false;
    std::string _failure;
    std::thread _producer;
};

// --- sinks ------------------------------------------------------------------------------------

std::string errnoText(int error) {
    return std::strerror(error);
}

// Checks a relative output path: '/'-separated, no empty, '.' or '..' parts, not absolute.
std::optional<std::string> badEntryName(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos ||
        name.find('\0') != std::string::npos) {
        return "output path '" + name + "' must be a relative '/'-separated path";
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto slash = name.find('/', start);
        const std::string part =
            name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part.empty() || part == "." || part == "..") {
            return "output path '" + name + "' must not contain empty, '.' or '..' parts";
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return std::nullopt;
}

// The temporary file beside the destination; removed unless published.
class TempFile {
public:
    TempFile(const fs::path& directory, const std::string& fileName) {
        std::random_device random;
        for (int attempt = 0; attempt < 16 && !_created; ++attempt) {
            _path = directory / fmt::format(".{}.{:08x}.part", fileName, random());
            const int fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            _error = fd < 0 ? errno : 0;
            if (fd >= 0) {
                ::close(fd); // reopened as a stream; the fd only reserved the unique name
                _created = true;
            } else if (_error != EEXIST) {
                break;
            }
        }
    }
    ~TempFile() {
        if (!_published && _created) {
            std::error_code ignored;
            fs::remove(_path, ignored);
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    bool created() const { return _created; }
    int error() const { return _error; }
    const fs::path& path() const { return _path; }

    // fsyncs the file, renames it to `destination`, fsyncs the folder.
    sdk::Result<void> publish(const fs::path& destination) {
        const int fd = ::open(_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            const int error = errno;
            if (fd >= 0) {
                ::close(fd);
            }
            return sdk::fail(sdk::ErrorKind::Internal,
                             fmt::format("cannot flush {}: {}", _path.string(), errnoText(error)));
        }
        ::close(fd);
        if (::rename(_path.c_str(), destination.c_str()) != 0) {
            return sdk::fail(
                sdk::ErrorKind::Internal,
                fmt::format("cannot write {}: {}", destination.string(), errnoText(errno)));
        }
        _published = true;
        const int folder = ::open(destination.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
        if (folder >= 0) {
            ::fsync(folder);
            ::close(folder);
        }
        return {};
    }

private:
    fs::path _path;
    bool _created = false;
    int _error = 0;
    bool _published = false;
};

// Counters and progress every sink shares.
class CountingSink : public sdk::ExportSink {
public:
    explicit CountingSink(std::function<void(std::int64_t, std::int64_t)> progress)
        : _progress(std::move(progress)) {}

    void count(const std::string& counter, std::int64_t amount) override {
        _counters[counter] += amount;
    }
    void progress(std::int64_t done, std::int64_t total) override {
        if (_progress) {
            _progress(done, total);
        }
    }
    const std::map<std::string, std::int64_t>& counters() const { return _counters; }

    /// Closes what is open; an Error when anything failed to reach the file.
    virtual sdk::Result<void> finish() = 0;

private:
    std::function<void(std::int64_t, std::int64_t)> _progress;
    std::map<std::string, std::int64_t> _counters;
};

// A single-file format: the one file it opens is the output.
class FileSink final : public CountingSink {
public:
    FileSink(const fs::path& file, std::function<void(std::int64_t, std::int64_t)> progress)
        : CountingSink(std::move(progress)), _file(file) {}

    sdk::Result<std::ostream*> open(const std::string& relativePath) override {
        if (auto bad = badEntryName(relativePath)) {
            return sdk::fail(sdk::ErrorKind::InvalidInput, *bad);
        }
        if (_opened) {
            return sdk::fail(sdk::ErrorKind::InvalidInput,
                             "a single-file format may write only one file (asked for '" +
                                 relativePath + "' after another)");
        }
        _opened = true;
        _out.open(_file, std::ios::binary | std::ios::trunc);
        if (!_out) {
            return sdk::fail(sdk::ErrorKind::Internal, "cannot write " + _file.string());
        }
        return &_out;
    }

    sdk::Result<void> addFile(const std::string& relativePath, const std::string&) override {
        return sdk::fail(sdk::ErrorKind::InvalidInput,
                         "a single-file format cannot add files ('" + relativePath + "')");
    }

    sdk::Result<void> finish() override {
        if (!_opened) {
            return sdk::fail(sdk::ErrorKind::Internal, "the exporter wrote nothing");
        }
        _out.close();
        if (_out.fail()) {
            return sdk::fail(sdk::ErrorKind::Internal, "writing " + _file.string() + " failed");
        }
        return {};
    }

private:
    fs::path _file;
    std::ofstream _out;
    bool _opened = false;
};

// A streaming zip writer: each entry is written once (local header, data, data descriptor) and
// its central-directory record goes to a temporary file until close(), so memory does not grow
// with the number of entries. Zip64 records are used where sizes or offsets need them.
class ZipWriter {
public:
    explicit ZipWriter(std::ostream& out) : _out(out), _directory(std::tmpfile(), &std::fclose) {
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        _dosTime = static_cast<std::uint16_t>((local.tm_hour << 11) | (local.tm_min << 5) |
                                              (local.tm_sec / 2));
        _dosDate = static_cast<std::uint16_t>(((std::max(local.tm_year, 80) - 80) << 9) |
                                              ((local.tm_mon + 1) << 5) | local.tm_mday);
    }

    bool ok() const { return _directory != nullptr && !_failed && static_cast<bool>(_out); }

    // Adds `name` with the bytes of `in` (about `size` bytes, which picks the record sizes);
    // `deflate` false stores them. False on an I/O failure.
    bool add(const std::string& name, std::istream& in, std::uint64_t size, bool deflate) {
        if (!ok()) {
            return false;
        }
        // Deflate can grow incompressible data slightly; leave a margin below 4 GiB.
        const bool zip64 = size >= 0xF0000000ull;
        const std::uint64_t offset = _offset;
        const std::uint16_t version = zip64 ? 45 : 20;
        const std::uint16_t method = deflate ? 8 : 0;
        std::string header;
        put32(header, 0x04034b50);
        put16(header, version);
        put16(header, kFlags);
        put16(header, method);
        put16(header, _dosTime);
        put16(header, _dosDate);
        put32(header, 0);
        put32(header, zip64 ? 0xFFFFFFFFu : 0);
        put32(header, zip64 ? 0xFFFFFFFFu : 0);
        put16(header, static_cast<std::uint16_t>(name.size()));
        put16(header, zip64 ? 20 : 0);
        header += name;
        if (zip64) {
            put16(header, 0x0001);
            put16(header, 16);
            put64(header, 0);
            put64(header, 0);
        }
        emit(header);

        Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
        std::uint64_t read = 0;
        const std::uint64_t before = _offset;
        std::vector<char> buffer(1 << 16);
        {
            CountingBuffer counting(*_out.rdbuf(), _offset);
            std::ostream counted(&counting);
            std::unique_ptr<Poco::DeflatingOutputStream> deflater;
            std::ostream* target = &counted;
            if (deflate) {
                deflater = std::make_unique<Poco::DeflatingOutputStream>(counted, -15, 6);
                target = deflater.get();
            }
            while (in) {
                in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                const auto got = static_cast<std::size_t>(in.gcount());
                if (got == 0) {
                    break;
                }
                crc.update(buffer.data(), static_cast<unsigned>(got));
                target->write(buffer.data(), static_cast<std::streamsize>(got));
                read += got;
            }
            if (deflater) {
                deflater->close();
            }
            counted.flush();
            _failed = _failed || in.bad() || !*target || !counted;
        }
        const std::uint64_t compressed = _offset - before;

        std::string descriptor;
        put32(descriptor, 0x08074b50);
        put32(descriptor, crc.checksum());
        if (zip64) {
            put64(descriptor, compressed);
            put64(descriptor, read);
        } else {
            put32(descriptor, static_cast<std::uint32_t>(compressed));
            put32(descriptor, static_cast<std::uint32_t>(read));
        }
        emit(descriptor);
        if (!zip64 && (compressed >= 0xFFFFFFFFull || read >= 0xFFFFFFFFull)) {
            _failed = true; // the size hint was wrong by gigabytes: refuse a corrupt archive
        }

        const bool bigOffset = offset >= 0xFFFFFFFFull;
        std::string extra;
        if (zip64 || bigOffset) {
            put16(extra, 0x0001);
            put16(extra, static_cast<std::uint16_t>((zip64 ? 16 : 0) + (bigOffset ? 8 : 0)));
            if (zip64) {
                put64(extra, read);
                put64(extra, compressed);
            }
            if (bigOffset) {
                put64(extra, offset);
            }
        }
        std::string record;
        put32(record, 0x02014b50);
        put16(record, static_cast<std::uint16_t>((3 << 8) | 45)); // made by: UNIX, zip 4.5
        put16(record, (zip64 || bigOffset) ? 45 : version);
        put16(record, kFlags);
        put16(record, method);
        put16(record, _dosTime);
        put16(record, _dosDate);
        put32(record, crc.checksum());
        put32(record, zip64 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(compressed));
        put32(record, zip64 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(read));
        put16(record, static_cast<std::uint16_t>(name.size()));
        put16(record, static_cast<std::uint16_t>(extra.size()));
        put16(record, 0); // comment
        put16(record, 0); // disk
        put16(record, 0); // internal attributes
        put32(record, 0100644u << 16);
        put32(record, bigOffset ? 0xFFFFFFFFu : static_cast<std::uint32_t>(offset));
        record += name;
        record += extra;
        if (std::fwrite(record.data(), 1, record.size(), _directory.get()) != record.size()) {
            _failed = true;
        }
        _directoryBytes += record.size();
        ++_entries;
        return ok();
    }

    // Writes the central directory and the end records.
    bool close() {
        if (!ok()) {
            return false;
        }
        const std::uint64_t directoryOffset = _offset;
        if (std::fflush(_directory.get()) != 0 || std::fseek(_directory.get(), 0, SEEK_SET) != 0) {
            return false;
        }
        std::vector<char> buffer(1 << 16);
        std::size_t got = 0;
        while ((got = std::fread(buffer.data(), 1, buffer.size(), _directory.get())) > 0) {
            _out.write(buffer.data(), static_cast<std::streamsize>(got));
            _offset += got;
        }
        const bool zip64 = _entries >= 0xFFFF || directoryOffset >= 0xFFFFFFFFull ||
                           _directoryBytes >= 0xFFFFFFFFull;
        std::string end;
        if (zip64) {
            const std::uint64_t recordOffset = _offset;
            put32(end, 0x06064b50);
            put64(end, 44);
            put16(end, static_cast<std::uint16_t>((3 << 8) | 45));
            put16(end, 45);
            put32(end, 0);
            put32(end, 0);
            put64(end, _entries);
            put64(end, _entries);
            put64(end, _directoryBytes);
            put64(end, directoryOffset);
            put32(end, 0x07064b50);
            put32(end, 0);
            put64(end, recordOffset);
            put32(end, 1);
        }
        put32(end, 0x06054b50);
        put16(end, 0);
        put16(end, 0);
        put16(end, static_cast<std::uint16_t>(std::min<std::uint64_t>(_entries, 0xFFFF)));
        put16(end, static_cast<std::uint16_t>(std::min<std::uint64_t>(_entries, 0xFFFF)));
        put32(end,
              static_cast<std::uint32_t>(std::min<std::uint64_t>(_directoryBytes, 0xFFFFFFFF)));
        put32(end,
              static_cast<std::uint32_t>(std::min<std::uint64_t>(directoryOffset, 0xFFFFFFFF)));
        put16(end, 0);
        emit(end);
        _out.flush();
        return ok();
    }

private:
    // Data descriptor follows each entry (bit 3); names are UTF-8 (bit 11).
    static constexpr std::uint16_t kFlags = 0x0808;

    // Forwards to another buffer, counting the bytes written.
    class CountingBuffer final : public std::streambuf {
    public:
        CountingBuffer(std::streambuf& target, std::uint64_t& count)
            : _target(target), _count(count) {}

    protected:
        int_type overflow(int_type c) override {
            if (traits_type::eq_int_type(c, traits_type::eof())) {
                return traits_type::not_eof(c);
            }
            if (traits_type::eq_int_type(_target.sputc(traits_type::to_char_type(c)),
                                         traits_type::eof())) {
                return traits_type::eof();
            }
            ++_count;
            return c;
        }
        std::streamsize xsputn(const char* data, std::streamsize count) override {
            const std::streamsize written = _target.sputn(data, count);
            _count += static_cast<std::uint64_t>(std::max<std::streamsize>(written, 0));
            return written;
        }

    private:
        std::streambuf& _target;
        std::uint64_t& _count;
    };

    static void put16(std::string& out, std::uint16_t value) {
        out.push_back(static_cast<char>(value & 0xff));
        out.push_back(static_cast<char>(value >> 8));
    }
    static void put32(std::string& out, std::uint32_t value) {
        put16(out, static_cast<std::uint16_t>(value & 0xffff));
        put16(out, static_cast<std::uint16_t>(value >> 16));
    }
    static void put64(std::string& out, std::uint64_t value) {
        put32(out, static_cast<std::uint32_t>(value & 0xffffffffu));
        put32(out, static_cast<std::uint32_t>(value >> 32));
    }

    void emit(const std::string& bytes) {
        _out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        _offset += bytes.size();
        _failed = _failed || !_out;
    }

    std::ostream& _out;
    std::unique_ptr<FILE, int (*)(FILE*)> _directory;
    std::uint64_t _offset = 0;
    std::uint64_t _entries = 0;
    std::uint64_t _directoryBytes = 0;
    std::uint16_t _dosTime = 0;
    std::uint16_t _dosDate = 0;
    bool _failed = false;
};

// The stream a zip entry is written through: memory up to a limit, then a temporary file, so
// small entries cost no file system round trip and large ones no memory.
class SpillBuffer final : public std::streambuf {
public:
    // `spillPath` is the owner's member, filled in before the first write.
    explicit SpillBuffer(const std::string& spillPath) : _spillPath(spillPath) {}

    std::uint64_t size() const { return _size; }

    void reset() {
        _memory.clear();
        _size = 0;
        if (_file.is_open()) {
            _file.close();
        }
        _spilled = false;
        _failed = false;
    }
    bool failed() const { return _failed; }
    // The entry's bytes as a stream, valid until the next reset().
    std::istream& read() {
        if (_spilled) {
            _file.close();
            _failed = _failed || _file.fail();
            _reader = std::make_unique<std::ifstream>(_spillPath, std::ios::binary);
        } else {
            _reader = std::make_unique<std::istringstream>(_memory);
        }
        return *_reader;
    }

protected:
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) {
            return traits_type::not_eof(c);
        }
        const char byte = traits_type::to_char_type(c);
        return xsputn(&byte, 1) == 1 ? c : traits_type::eof();
    }
    std::streamsize xsputn(const char* data, std::streamsize count) override {
        if (!_spilled && _memory.size() + static_cast<std::size_t>(count) > kMemoryBytes) {
            _file.open(_spillPath, std::ios::binary | std::ios::trunc);
            _file.write(_memory.data(), static_cast<std::streamsize>(_memory.size()));
            _memory.clear();
            _memory.shrink_to_fit();
            _spilled = true;
        }
        _size += static_cast<std::uint64_t>(count);
        if (_spilled) {
            _file.write(data, count);
            _failed = _failed || _file.fail();
        } else {
            _memory.append(data, static_cast<std::size_t>(count));
        }
        return _failed ? 0 : count;
    }

private:
    static constexpr std::size_t kMemoryBytes = 4u << 20;

    const std::string& _spillPath;
    std::string _memory;
    std::uint64_t _size = 0;
    std::ofstream _file;
    bool _spilled = false;
    bool _failed = false;
    std::unique_ptr<std::istream> _reader;
};

// A multi-file format: every file becomes an entry of one zip. Files opened as streams are
// spooled (SpillBuffer) and added when the next one starts, so memory stays flat.
class ZipSink final : public CountingSink {
public:
    ZipSink(const fs::path& file, std::function<void(std::int64_t, std::int64_t)> progress)
        : CountingSink(std::move(progress)), _out(file, std::ios::binary | std::ios::trunc),
          _zip(_out) {
        const char* base = std::getenv("TMPDIR");
        std::string templ =
            (base && *base ? std::string(base) : std::string("/tmp")) + "/classifai-export-XXXXXX";
        std::vector<char> buffer(templ.begin(), templ.end());
        buffer.push_back('\0');
        const int fd = ::mkstemp(buffer.data());
        if (fd >= 0) {
            ::close(fd);
            _spoolPath = buffer.data();
        }
    }

    ~ZipSink() override {
        if (!_spoolPath.empty()) {
            std::error_code ignored;
            fs::remove(_spoolPath, ignored);
        }
    }

    sdk::Result<std::ostream*> open(const std::string& relativePath) override {
        if (auto bad = badEntryName(relativePath)) {
            return sdk::fail(sdk::ErrorKind::InvalidInput, *bad);
        }
        if (!_zip.ok() || _spoolPath.empty()) {
            return sdk::fail(sdk::ErrorKind::Internal, "cannot create the export's zip file");
        }
        sdk::Result<void> flushed = flushSpool();
        if (!flushed) {
            return flushed.error();
        }
        if (!claim(relativePath)) {
            return sdk::fail(sdk::ErrorKind::InvalidInput,
                             "the exporter wrote '" + relativePath + "' twice");
        }
        _buffer.reset();
        _spool.clear();
        _spoolEntry = relativePath;
        return &_spool;
    }

    sdk::Result<void> addFile(const std::string& relativePath,
                              const std::string& sourceAbsolutePath) override {
        if (auto bad = badEntryName(relativePath)) {
            return sdk::fail(sdk::ErrorKind::InvalidInput, *bad);
        }
        sdk::Result<void> flushed = flushSpool();
        if (!flushed) {
            return flushed;
        }
        if (!claim(relativePath)) {
            return sdk::fail(sdk::ErrorKind::InvalidInput,
                             "the exporter wrote '" + relativePath + "' twice");
        }
        std::ifstream in(sourceAbsolutePath, std::ios::binary);
        if (!in) {
            return sdk::fail(sdk::ErrorKind::NotFound,
                             "cannot read " + sourceAbsolutePath + ": " + errnoText(errno));
        }
        std::error_code error;
        const auto size = fs::file_size(sourceAbsolutePath, error);
        if (!_zip.add(relativePath, in, error ? 0 : size, !isCompressedImage(relativePath))) {
            return sdk::fail(sdk::ErrorKind::Internal,
                             "copying " + sourceAbsolutePath + " into the zip failed");
        }
        return {};
    }

    sdk::Result<void> finish() override {
        sdk::Result<void> flushed = flushSpool();
        if (!flushed) {
            return flushed;
        }
        const bool closed = _zip.close();
        _out.close();
        if (!closed || _out.fail()) {
            return sdk::fail(sdk::ErrorKind::Internal, "writing the zip failed");
        }
        return {};
    }

private:
    bool claim(const std::string& name) { return _entries.insert(name).second; }

    // Images are already compressed: stored, not deflated again.
    static bool isCompressedImage(const std::string& name) {
        const auto dot = name.rfind('.');
        if (dot == std::string::npos) {
            return false;
        }
        std::string extension = name.substr(dot + 1);
        for (char& c : extension) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        static const std::set<std::string> compressed{"jpg", "jpeg", "png",  "webp",
                                                      "gif", "heic", "heif", "avif"};
        return compressed.count(extension) > 0;
    }

    sdk::Result<void> flushSpool() {
        if (_spoolEntry.empty()) {
            return {};
        }
        _spool.flush();
        std::istream& in = _buffer.read();
        if (_spool.fail() || _buffer.failed()) {
            return sdk::fail(sdk::ErrorKind::Internal,
                             "writing '" + _spoolEntry + "' to a temporary file failed");
        }
        const bool added = _zip.add(_spoolEntry, in, _buffer.size(), true);
        const std::string entry = std::move(_spoolEntry);
        _spoolEntry.clear();
        if (!added) {
            return sdk::fail(sdk::ErrorKind::Internal, "writing '" + entry + "' to the zip failed");
        }
        return {};
    }

    std::ofstream _out;
    ZipWriter _zip;
    std::string _spoolPath;
    SpillBuffer _buffer{_spoolPath};
    std::ostream _spool{&_buffer};
    std::string _spoolEntry;
    std::set<std::string> _entries;
};

} // namespace

// --- free functions ---------------------------------------------------------------------------

std::string exportStateName(ExportState state) {
    switch (state) {
    case ExportState::NotInitiated:
        return "EXPORT_NOT_INITIATED";
    case ExportState::Starting:
        return "EXPORT_STARTING";
    case ExportState::Success:
        return "EXPORT_SUCCESS";
    case ExportState::Failed:
        return "EXPORT_FAIL";
    }
    return "EXPORT_FAIL";
}

std::string exportFileName(const std::string& projectName, const sdk::Exporter& exporter) {
    const std::string id = exporter.id();
    const std::string extension = exporter.multiFile() ? "zip" : exporter.fileExtension();
    const std::string suffix = extension.empty() ? "" : "." + extension;
    if (id == "cfg" || id == "cfgdata") {
        return projectName + suffix;
    }
    return projectName + "_" + id + suffix;
}

sdk::Result<ExportOutput>
writeExport(const sdk::Exporter& exporter, sdk::ProjectView& view, const fs::path& directory,
            const std::string& fileName,
            const std::function<void(std::int64_t, std::int64_t)>& progress) {
    std::error_code error;
    if (!fs::is_directory(directory, error)) {
        return sdk::fail(sdk::ErrorKind::NotFound,
                         "the export folder " + directory.string() + " does not exist");
    }
    TempFile temp(directory, fileName);
    if (!temp.created()) {
        return sdk::fail(
            sdk::ErrorKind::Internal,
            fmt::format("cannot write into {}: {}", directory.string(), errnoText(temp.error())));
    }
    std::unique_ptr<CountingSink> sink;
    if (exporter.multiFile()) {
        sink = std::make_unique<ZipSink>(temp.path(), progress);
    } else {
        sink = std::make_unique<FileSink>(temp.path(), progress);
    }
    sdk::Result<void> written;
    try {
        written = exporter.write(view, *sink);
        if (written) {
            written = sink->finish();
        }
    } catch (const std::exception& failure) {
        written = sdk::fail(sdk::ErrorKind::Internal,
                            fmt::format("exporter {} failed: {}", exporter.id(), failure.what()));
    } catch (...) {
        written = sdk::fail(sdk::ErrorKind::Internal,
                            fmt::format("exporter {} failed with an unknown error", exporter.id()));
    }
    if (!written) {
        return written.error();
    }
    const fs::path destination = directory / fileName;
    sdk::Result<void> published = temp.publish(destination);
    if (!published) {
        return published.error();
    }
    ExportOutput output;
    output.path = destination;
    output.bytes = static_cast<std::int64_t>(fs::file_size(destination, error));
    output.counters = sink->counters();
    return output;
}

// --- the service ------------------------------------------------------------------------------

struct ExportService::Plan {
    const sdk::AnnotationType* type = nullptr;
    const sdk::Exporter* exporter = nullptr;
    ProjectRow project;
};

ExportService::ExportService(Database& database, JobRunner& jobs, const Registry& registry,
                             ExportOptions options)
    : _database(database), _jobs(jobs), _registry(registry), _options(std::move(options)) {}

std::vector<std::string> ExportService::exportersFor(const std::string& typeId) const {
    std::vector<std::string> ids;
    for (const sdk::Exporter* exporter : _registry.exporters()) {
        const auto types = exporter->supportedTypes();
        if (types.empty() || std::find(types.begin(), types.end(), typeId) != types.end()) {
            ids.push_back(exporter->id());
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::optional<ExportError> ExportService::plan(const std::string& type,
                                               const std::string& projectName,
                                               const std::string& exportType, Plan& out) {
    out.type = _registry.annotationType(type);
    if (out.type == nullptr) {
        std::string available;
        for (const auto* known : _registry.annotationTypes()) {
            available += (available.empty() ? "" : ", ") + known->id();
        }
        return ExportError{fmt::format("Unknown annotation type '{}'; available: {}", type,
                                       available.empty() ? "none" : available),
                           1, true};
    }
    const std::string typeId = out.type->id();
    const auto available = exportersFor(typeId);
    if (std::find(available.begin(), available.end(), exportType) == available.end()) {
        return ExportError{fmt::format("Export type '{}' is not available for {} projects; "
                                       "available: {}",
                                       exportType, typeId,
                                       available.empty()
                                           ? "none (no exporter plugin loaded)"
                                           : fmt::format("{}", fmt::join(available, ", "))),
                           1};
    }
    out.exporter = _registry.exporter(exportType);
    auto project = ProjectStore(_database).findByName(typeId, projectName);
    if (!project) {
        return ExportError{"Project not exist", 1};
    }
    out.project = std::move(*project);
    return std::nullopt;
}

std::optional<ExportError> ExportService::start(const std::string& type,
                                                const std::string& projectName,
                                                const std::string& exportType) {
    auto planned = std::make_shared<Plan>();
    if (auto refused = plan(type, projectName, exportType, *planned)) {
        return refused;
    }
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(_mutex);
        generation = ++_generation;
        _status = ExportStatus{};
        _status.state = ExportState::Starting;
        _status.annotationType = planned->type->id();
        _status.projectName = projectName;
        _status.exportType = exportType;
    }
    const bool queued = _jobs.submit("export " + exportType + " " + projectName,
                                     [this, planned, generation] { run(*planned, generation); });
    if (!queued) {
        update(generation, [](ExportStatus& status) {
            status.state = ExportState::Failed;
            status.reason = "the server is shutting down";
        });
        return ExportError{
            "Export of project failed for " + projectName + ": the server is shutting down", 1};
    }
    return std::nullopt;
}

ExportStatus ExportService::status() const {
    std::lock_guard lock(_mutex);
    return _status;
}

ExportStatus ExportService::runNow(const std::string& type, const std::string& projectName,
                                   const std::string& exportType) {
    Plan planned;
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(_mutex);
        generation = ++_generation;
    }
    if (auto refused = plan(type, projectName, exportType, planned)) {
        ExportStatus status;
        status.state = ExportState::Failed;
        status.projectName = projectName;
        status.exportType = exportType;
        status.reason = refused->message;
        update(generation, [&](ExportStatus& current) { current = status; });
        return status;
    }
    update(generation, [&](ExportStatus& status) {
        status = ExportStatus{};
        status.state = ExportState::Starting;
        status.annotationType = planned.type->id();
        status.projectName = projectName;
        status.exportType = exportType;
    });
    return run(planned, generation);
}

void ExportService::update(std::uint64_t generation,
                           const std::function<void(ExportStatus&)>& change) {
    std::lock_guard lock(_mutex);
    if (generation == _generation) {
        change(_status);
    }
}

ExportStatus ExportService::run(const Plan& plan, std::uint64_t generation) {
    ExportStatus result;
    result.annotationType = plan.type->id();
    result.projectName = plan.project.name;
    result.exportType = plan.exporter->id();
    const fs::path directory =
        _options.exportDir.empty() ? fs::path(plan.project.rootPath) : _options.exportDir;
    try {
        StoreProjectView view(_database, plan.project, *plan.type, _jobs.stoppingFlag());
        result.imagesTotal = view.imageCount();
        update(generation, [&](ExportStatus& status) { status.imagesTotal = result.imagesTotal; });
        auto written = writeExport(*plan.exporter, view, directory,
                                   exportFileName(plan.project.name, *plan.exporter),
                                   [&](std::int64_t done, std::int64_t total) {
                                       result.imagesDone = done;
                                       update(generation, [&](ExportStatus& status) {
                                           status.imagesDone = done;
                                           status.imagesTotal = total;
                                       });
                                   });
        if (written) {
            result.state = ExportState::Success;
            result.outputPath = written.value().path.string();
            result.outputBytes = written.value().bytes;
            result.counters = written.value().counters;
        } else {
            result.state = ExportState::Failed;
            result.reason = written.error().message;
        }
    } catch (const std::exception& error) {
        result.state = ExportState::Failed;
        result.reason = fmt::format("export failed: {}", error.what());
    }
    if (result.state == ExportState::Success) {
        exportLog().information(fmt::format(
            "exported {} project {} as {} to {} ({} bytes)", result.annotationType,
            result.projectName, result.exportType, result.outputPath, result.outputBytes));
    } else {
        exportLog().warning(fmt::format("export of {} project {} as {} failed: {}",
                                        result.annotationType, result.projectName,
                                        result.exportType, result.reason));
    }
    update(generation, [&](ExportStatus& status) { status = result; });
    return result;
}

} // namespace classifai
