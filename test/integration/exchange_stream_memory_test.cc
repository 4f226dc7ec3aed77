// Issue 3: "Peak memory while applying a 1 GB batch stays under 200 MB: the
// apply path streams." A real xfnode receives one batch of about 160 MB of
// XML over its exchange endpoint (mutual TLS), through `xfctl bench apply
// --xml-mb`, which generates the batch to a file, posts it from the file and
// reads the xfnode's VmHWM from /proc. Memory is not a timing: the assertion
// is on the peak, whatever the machine's speed. (The 1 GB figure itself is
// measured with `xfctl bench apply --xml-mb 1024`; see exchange/README.md.)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test/harness/topology.h"

// Under AddressSanitizer the node's memory is the sanitizer's (shadow memory,
// a quarantine of freed blocks): the batch must still apply, but the peak
// says nothing about the apply path.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kMeasurable = false;
#else
constexpr bool kMeasurable = true;
#endif

TEST_CASE("stream: a real xfnode applies a batch of ~160 MB of XML with a peak RSS under 200 MiB") {
  std::vector<std::string> args = {"bench", "apply", "--lang", "en", "--xml-mb", "160"};
  if (kMeasurable) {
    args.push_back("--max-rss-mb");
    args.push_back("200");
  } else {
    MESSAGE("sanitizer build: the batch is applied, its peak memory is not checked");
  }
  const auto r = xf::test::Xfctl(args);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("xfnode peak RSS (VmHWM): ") != std::string::npos);
  CHECK(r.output.find("registrations, 160 MiB XML") != std::string::npos);
}
