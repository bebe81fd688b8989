#include <catch2/catch.hpp>

#include "daemon/server/session_registry.hpp"

using wharf::daemon::SessionControl;
using wharf::daemon::SessionRegistry;

TEST_CASE("the registry counts sessions and relays stop and close", "[server]") {
    SessionRegistry registry;
    int stops = 0;
    int closes = 0;
    int empties = 0;
    int rekeys = 0;
    auto first = registry.add(SessionControl{[&] { ++stops; }, [&] { ++closes; }, [&] { ++rekeys; }});
    auto second = registry.add(SessionControl{[&] { ++stops; }, [&] { ++closes; }, {}});
    CHECK(registry.rekey_all() == 1);  // only sessions that can rekey are asked
    CHECK(rekeys == 1);
    CHECK(registry.size() == 2);
    registry.on_empty([&] { ++empties; });
    CHECK(empties == 0);
    registry.request_stop_all();
    CHECK(stops == 2);
    // A session arriving during shutdown is asked to stop at once.
    auto late = registry.add(SessionControl{[&] { ++stops; }, [&] { ++closes; }, {}});
    CHECK(stops == 3);
    registry.close_all();
    CHECK(closes == 3);
    first.reset();
    second.reset();
    CHECK(empties == 0);
    late.reset();
    CHECK(empties == 1);
    CHECK(registry.size() == 0);
    const auto first_id = registry.next_connection_id();
    CHECK(registry.next_connection_id() == first_id + 1);
}
