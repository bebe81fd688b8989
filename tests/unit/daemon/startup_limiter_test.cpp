#include <catch2/catch.hpp>

#include "daemon/listeners/startup_limiter.hpp"

using wharf::daemon::StartupLimiter;

TEST_CASE("MaxStartups admits below start, drops at full, and counts per source", "[daemon][ssh]") {
    wharf::config::SshSettings limits;
    limits.max_startups = {3, 50, 6};
    limits.per_source_max_startups = 2;
    StartupLimiter limiter;
    CHECK(limiter.admit("10.0.0.1", limits));
    CHECK(limiter.admit("10.0.0.1", limits));
    CHECK_FALSE(limiter.admit("10.0.0.1", limits));  // per source
    CHECK(limiter.admit("10.0.0.2", limits));
    CHECK(limiter.unauthenticated() == 3);
    // Between start (3) and full (6): some are dropped, never more than full are admitted.
    int admitted = 0;
    for (int i = 0; i < 200; ++i) {
        if (limiter.admit("10.1.0." + std::to_string(i), limits)) ++admitted;
    }
    CHECK(admitted == 3);
    CHECK(limiter.unauthenticated() == 6);
    CHECK_FALSE(limiter.admit("10.9.9.9", limits));
    limiter.release("10.0.0.1");
    limiter.release("10.0.0.1");
    CHECK(limiter.unauthenticated() == 4);
    limits.max_startups = {10, 30, 100};  // now well below start: always admitted
    CHECK(limiter.admit("10.0.0.1", limits));
}
