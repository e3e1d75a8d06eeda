/* model.c - names of the patient model's enumerations, for readers (parse) and renderers
 * (name). The table is indexed by the enum, so a value and its name cannot drift apart. */
#include <string.h>

#include "model.h"

static const char *const outcome_names[] = {
    [RF_OUTCOME_UNKNOWN] = "unknown",   [RF_OUTCOME_REMISSION] = "remission",
    [RF_OUTCOME_RESPONSE] = "response", [RF_OUTCOME_PARTIAL] = "partial",
    [RF_OUTCOME_NONE] = "none",         [RF_OUTCOME_INTOLERANCE] = "intolerance",
    [RF_OUTCOME_ONGOING] = "ongoing",
};
/* WARNING: a new rf_outcome needs its name above; this catches a forgotten one at the end. */
_Static_assert(sizeof outcome_names / sizeof outcome_names[0] == RF_OUTCOME_ONGOING + 1,
               "outcome_names must name every rf_outcome");

const char *rf_outcome_name(rf_outcome o)
{
    if ((unsigned)o >= sizeof outcome_names / sizeof outcome_names[0])
        return "unknown";
    return outcome_names[o];
}

bool rf_outcome_parse(const char *s, rf_outcome *out)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < sizeof outcome_names / sizeof outcome_names[0]; i++) {
        if (strcmp(s, outcome_names[i]) == 0) {
            if (out != NULL)
                *out = (rf_outcome)i;
            return true;
        }
    }
    return false;
}
