/* builtins.c - lookups over the name lists of builtins.h. The knowledge checker asks once
 * per call and field of every criterion: the first byte rules out most names. */
#include <string.h>

#include "../util/util.h"
#include "builtins.h"

static const struct {
    const char *name;
    rf_type type;
} builtins[] = {
#define X(id, name, k, d, r) {name, {k, d, r, 0}},
    RF_BUILTIN_LIST(X)
#undef X
};

static const char *const functions[] = {
#define X(id, name) name,
    RF_FUNCTION_LIST(X)
#undef X
};

static const char *const comprehensions[] = {
#define X(id, name) name,
    RF_COMPREHENSION_LIST(X)
#undef X
};

static const struct {
    rf_rec_kind rec;
    const char *name;
    rf_type type;
} fields[] = {
#define X(rec, id, name, k, d) {RF_REC_##rec, name, {k, d, 0, 0}},
    RF_FIELD_LIST(X)
#undef X
};

int rf_builtin_find(const char *name)
{
    for (int i = 0; i < RF_B_COUNT_; i++)
        if (rf_streq(builtins[i].name, name))
            return i;
    return -1;
}

int rf_function_find(const char *name)
{
    for (int i = 0; i < RF_F_COUNT_; i++)
        if (rf_streq(functions[i], name))
            return i;
    return -1;
}

int rf_comprehension_find(const char *name)
{
    for (int i = 0; i < RF_C_COUNT_; i++)
        if (rf_streq(comprehensions[i], name))
            return i;
    return -1;
}

int rf_field_find(rf_rec_kind rec, const char *name, rf_type *type)
{
    for (int i = 0; i < RF_FLD_COUNT_; i++) {
        if (fields[i].rec == rec && rf_streq(fields[i].name, name)) {
            *type = fields[i].type;
            if (fields[i].type.kind == RF_TY_SYM)
                type->sym = RF_SYM_AGENT;
            return i;
        }
    }
    return -1;
}

rf_type rf_builtin_type(int id)
{
    return builtins[id].type;
}

const char *rf_builtin_name(int id)
{
    return builtins[id].name;
}

const char *rf_function_name(int id)
{
    return functions[id];
}

const char *rf_rec_name(rf_rec_kind k)
{
    static const char *const names[] = {"value", "trial", "procedure", "observation", "event"};
    return names[k];
}
