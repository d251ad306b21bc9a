#include "test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <typeinfo>

extern char** environ;

namespace zonnx::test {
namespace fs = std::filesystem;

std::string source_dir() { return ZONNX_SOURCE_DIR; }
std::string bundled_model(const std::string& file) { return source_dir() + "/models/" + file; }
std::string shared_dir() {
  const char* over = std::getenv("ZONNX_SHARED_DIR");
  std::string dir = over ? over : ZONNX_SHARED_DIR;
  return fs::is_directory(dir + "/models") ? dir : std::string();
}
std::string zonnx_binary() { return ZONNX_BINARY; }

std::vector<std::string> real_models() {
  std::vector<std::string> paths;
  auto add = [&](const std::string& dir) {
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".onnx") paths.push_back(entry.path().string());
  };
  add(source_dir() + "/models");
  if (const std::string shared = shared_dir(); !shared.empty()) add(shared + "/models");
  return paths;
}

namespace {
struct TempDirs {
  std::vector<std::string> dirs;
  pid_t owner = ::getpid();  // a forked child (run_in_child) must not remove its parent's folders
  ~TempDirs() {
    if (::getpid() != owner) return;
    std::error_code ec;
    for (auto& d : dirs) fs::remove_all(d, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs t;
  return t;
}
}  // namespace

std::string temp_dir() {
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  std::string templ = (fs::temp_directory_path() / "zonnx-test-XXXXXX").string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  temp_dirs().dirs.push_back(templ);
  return templ;
}

std::string run_in_child(const std::function<void()>& body, int timeout_seconds) {
  constexpr int kEscapedException = 86;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return std::string("fork failed: ") + std::strerror(errno);
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "unexpected exception %s: %s\n", typeid(e).name(), e.what());
      std::fflush(nullptr);
      ::_exit(kEscapedException);
    } catch (...) {
      std::fprintf(stderr, "unexpected non-std exception\n");
      std::fflush(nullptr);
      ::_exit(kEscapedException);
    }
    std::exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return std::string("waitpid failed: ") + std::strerror(errno);
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "hang: still running after " + std::to_string(timeout_seconds) + " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFSIGNALED(status))
    return "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
           ")";
  if (WIFEXITED(status) && WEXITSTATUS(status) == kEscapedException)
    return "unexpected exception (message on stderr)";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "child exited with status " + std::to_string(WEXITSTATUS(status));
  return "";
}

size_t stride_from_env(const char* name) {
  const char* text = std::getenv(name);
  const long k = text ? std::strtol(text, nullptr, 10) : 1;
  return k > 1 ? static_cast<size_t>(k) : 1;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

namespace {
// The emulator a cross build runs s390x programs with (qemu-s390x -L SYSROOT), as an argv prefix:
// under qemu-user a test cannot exec another s390x program without binfmt_misc, which containers lack.
std::vector<std::string> binary_launcher() {
  std::vector<std::string> out;
  std::istringstream in(ZONNX_BINARY_LAUNCHER);
  for (std::string part; std::getline(in, part, '|');)
    if (!part.empty()) out.push_back(part);
  return out;
}
}  // namespace

RunResult run_zonnx(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  // stdout and stderr go to temp files so large outputs cannot deadlock a pipe.
  std::string dir = temp_dir();
  std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_s = binary_launcher();
  argv_s.push_back(zonnx_binary());
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("NO_COLOR=", 0) == 0) continue;
    env_s.push_back(kv);
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + zonnx_binary());
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

ModelBuilder::ModelBuilder(int opset, int ir_version) {
  model_.set_ir_version(ir_version);
  model_.set_producer_name("zonnx-tests");
  auto* imp = model_.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

namespace {
void fill_type(onnx::ValueInfoProto* v, int elem, const std::vector<int64_t>& shape) {
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem);
  auto* s = t->mutable_shape();
  int i = 0;
  for (int64_t d : shape) {
    auto* dim = s->add_dim();
    if (d >= 0)
      dim->set_dim_value(d);
    else
      dim->set_dim_param("d" + std::to_string(i));
    ++i;
  }
}
}  // namespace

ModelBuilder& ModelBuilder::input(const std::string& name, int elem, const std::vector<int64_t>& shape) {
  auto* v = model_.mutable_graph()->add_input();
  v->set_name(name);
  fill_type(v, elem, shape);
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name, int elem, const std::vector<int64_t>& shape) {
  auto* v = model_.mutable_graph()->add_output();
  v->set_name(name);
  fill_type(v, elem, shape);
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name) {
  model_.mutable_graph()->add_output()->set_name(name);
  return *this;
}

ModelBuilder& ModelBuilder::initializer_floats(const std::string& name, const std::vector<int64_t>& dims,
                                               float fill) {
  auto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) t->add_float_data(fill);
  return *this;
}

ModelBuilder& ModelBuilder::initializer_ints(const std::string& name, const std::vector<int64_t>& values) {
  auto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return *this;
}

onnx::NodeProto& ModelBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                    const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = model_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + std::to_string(model_.graph().node_size() - 1) : name);
  for (auto& i : inputs) n->add_input(i);
  for (auto& o : outputs) n->add_output(o);
  return *n;
}

std::string ModelBuilder::bytes() const {
  std::string s;
  model_.SerializeToString(&s);
  return s;
}

std::string ModelBuilder::save(const std::string& path) const {
  write_file(path, bytes());
  return path;
}

void set_attr(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_attr(onnx::NodeProto& node, const std::string& name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}
void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}
void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

nlohmann::json run_zonnx_json(const std::vector<std::string>& args, int expected_exit) {
  RunResult r = run_zonnx(args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  return nlohmann::json::parse(r.out);
}

}  // namespace zonnx::test
