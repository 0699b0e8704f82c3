/* Unit tests for field: header matching and suggestions. */
#include "field.h"
#include "check.h"

int main(void)
{
    CHECK_INT(field_lookup("bandwidth", 9), ==, FIELD_BANDWIDTH);
    CHECK_INT(field_lookup("  BandWidth \t", 13), ==, FIELD_BANDWIDTH);
    CHECK_INT(field_lookup("Charge.ChargeMode", 17), ==, FIELD_CHARGE_MODE);
    CHECK_INT(field_lookup("bandwith", 8), ==, -1);
    CHECK_INT(field_lookup("", 0), ==, -1);
    CHECK_STR(field_closest("bandwith", 8), "bandwidth");
    CHECK_STR(field_closest("chargemode", 10), "charge.chargeMode");
    CHECK_STR(field_closest("os_type_id", 10), "osTypeId");
    CHECK_STR(field_closest("client-token", 12), "clientToken");
    CHECK_STR(field_json_path(FIELD_CHARGE_DURATION), "instanceSpec.charge.chargeDuration");
    CHECK_STR(field_json_key(FIELD_CHARGE_DURATION), "chargeDuration");
    CHECK(field_is_integer(FIELD_COUNT));
    CHECK(!field_is_integer(FIELD_NAME));
    CHECK(field_is_required(FIELD_DATA_RAID_TYPE_ID));
    CHECK(!field_is_required(FIELD_BANDWIDTH));
    for (int f = 0; f < FIELD_N; f++) {
        const char *n = field_name((enum field_id)f);
        CHECK_INT(field_lookup(n, strlen(n)), ==, f);
    }
    return check_done();
}
