/* test_json_writer.c: the one JSON writer (json_writer.h). Escapes are
 * checked byte for byte against RFC 8259 §7; layouts against the summary's
 * and the bench record's bytes; and random documents are read back by
 * cJSON (an independent parser) to the values written. Random cases draw
 * from a seed printed on failure (seed.h; STAMPEDE_TEST_SEED replays it). */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "stampede/json_writer.h"

/* The bytes a writer callback wrote, NUL-terminated; free() them. */
typedef struct sink {
    char *buf;
    size_t len;
    FILE *f;
} sink;

static void sink_open(sink *s)
{
    s->buf = NULL;
    s->len = 0;
    s->f = open_memstream(&s->buf, &s->len);
    cr_assert_not_null(s->f);
}

static char *sink_close(sink *s)
{
    cr_assert_eq(fclose(s->f), 0);
    return s->buf;
}

static char *string_json(const char *in)
{
    sink s;
    sink_open(&s);
    stp_json_write_string(s.f, in);
    return sink_close(&s);
}

static char *number_json(double x)
{
    sink s;
    sink_open(&s);
    stp_json_write_number(s.f, x);
    return sink_close(&s);
}

// ----------------------------------------------------------------------------
// strings

Test(json_writer, escapes_quote_and_backslash)
{
    char *out = string_json("say \"hi\" \\ bye/");
    cr_assert_str_eq(out, "\"say \\\"hi\\\" \\\\ bye/\""); /* '/' needs no escape (§7) */
    free(out);
}

/* §7: every byte below 0x20 must be escaped. The writer uses "\n" for a
 * newline (what the summary has always written) and "\u00XX" for the rest. */
Test(json_writer, escapes_every_control_byte)
{
    for (int c = 0x01; c < 0x20; c++) {
        const char in[4] = {'a', (char)c, 'b', '\0'};
        char want[16];
        if (c == '\n')
            snprintf(want, sizeof want, "\"a\\nb\"");
        else
            snprintf(want, sizeof want, "\"a\\u%04xb\"", c);
        char *out = string_json(in);
        cr_assert_str_eq(out, want, "byte 0x%02x", c);
        free(out);
    }
}

/* 0x00 cannot reach the writer inside a C string: it ends the string, and
 * nothing after it is written. */
Test(json_writer, nul_ends_the_string)
{
    const char in[] = {'a', '\0', 'b', '\0'};
    char *out = string_json(in);
    cr_assert_str_eq(out, "\"a\"");
    free(out);
}

Test(json_writer, passes_valid_utf8_through)
{
    /* U+00E9, U+20AC, U+1F600: two, three and four bytes */
    const char *in = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    char *out = string_json(in);
    char want[64];
    snprintf(want, sizeof want, "\"%s\"", in);
    cr_assert_str_eq(out, want);
    free(out);
}

/* A byte that starts no valid sequence (a stray continuation, 0xff, a
 * sequence cut short by the end) becomes U+FFFD: the output stays JSON. */
Test(json_writer, replaces_invalid_utf8)
{
    char *out = string_json("a\xff"
                            "b\x80"
                            "c\xe2\x82");
    cr_assert_str_eq(out, "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\"");
    free(out);
}

// ----------------------------------------------------------------------------
// numbers

Test(json_writer, numbers_are_shortest_round_trip)
{
    static const struct {
        double x;
        const char *want;
    } cases[] = {
        {0.9, "0.9"},
        {0.1 + 0.2, "0.30000000000000004"},
        {0.0, "0"},
        {-0.0, "-0"},
        {1e300, "1e+300"},
        {-12345678.5, "-12345678.5"},
        {5e-324, "4.94065645841247e-324"}, /* the least subnormal: 15 digits suffice */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = number_json(cases[i].x);
        cr_assert_str_eq(out, cases[i].want);
        free(out);
    }
}

/* JSON has no NaN or infinity: the summary writes null. */
Test(json_writer, non_finite_numbers_are_null)
{
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        char *out = number_json(bad[i]);
        cr_assert_str_eq(out, "null");
        free(out);
    }
}

/* The bench record's fixed-precision numbers follow the same rule. */
Test(json_writer, fixed_precision_non_finite_is_null)
{
    stp_json w;
    sink s;
    sink_open(&s);
    stp_json_init(&w, s.f, STP_JSON_LINE);
    stp_json_object(&w, NULL);
    stp_json_num_g(&w, "a", NAN, 6);
    stp_json_num_g(&w, "b", -INFINITY, 9);
    stp_json_num_g(&w, "c", 2.5, 6);
    stp_json_end(&w);
    char *out = sink_close(&s);
    cr_assert_str_eq(out, "{\"a\": null, \"b\": null, \"c\": 2.5}");
    free(out);
}

Test(json_writer, random_doubles_round_trip)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    for (int i = 0; i < 100000; i++) {
        const uint64_t bits = next_u64(&st);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x)) continue;
        char *out = number_json(x);
        const double back = strtod(out, NULL);
        cr_assert(memcmp(&back, &x, sizeof x) == 0, "seed %llu: %.17g wrote %s",
                  (unsigned long long)seed, x, out);
        free(out);
    }
}

// ----------------------------------------------------------------------------
// layouts

/* The summary's layout: a member a line, two spaces a level, "{}" kept
 * whole, number arrays on one line. */
Test(json_writer, pretty_nests_with_commas)
{
    sink s;
    const double x[] = {1.5, NAN};
    const long long n[] = {1, -2};
    const char *names[] = {"a", "b\""};
    stp_json w;
    sink_open(&s);
    stp_json_init(&w, s.f, STP_JSON_PRETTY);
    stp_json_object(&w, NULL);
    stp_json_str(&w, "name", "x");
    stp_json_uint(&w, "seed", 18446744073709551615ull);
    stp_json_object(&w, "empty");
    stp_json_end(&w);
    stp_json_array(&w, "list");
    stp_json_object(&w, NULL);
    stp_json_bool(&w, "on", 1);
    stp_json_int(&w, "k", -3);
    stp_json_end(&w);
    stp_json_nums(&w, NULL, x, 2);
    stp_json_end(&w);
    stp_json_ints(&w, "n", n, 2);
    stp_json_strs(&w, "s", names, 2);
    stp_json_nums(&w, "none", x, 0);
    stp_json_end(&w);
    char *out = sink_close(&s);
    cr_assert_str_eq(out, "{\n"
                          "  \"name\": \"x\",\n"
                          "  \"seed\": 18446744073709551615,\n"
                          "  \"empty\": {},\n"
                          "  \"list\": [\n"
                          "    {\n"
                          "      \"on\": true,\n"
                          "      \"k\": -3\n"
                          "    },\n"
                          "    [1.5, null]\n"
                          "  ],\n"
                          "  \"n\": [1, -2],\n"
                          "  \"s\": [\"a\", \"b\\\"\"],\n"
                          "  \"none\": []\n"
                          "}");
    free(out);
}

/* The bench record's layout: one line, ", " between members, and the
 * caller's whitespace where stp_json_space puts it. */
Test(json_writer, line_layout_with_breaks)
{
    sink s;
    stp_json w;
    sink_open(&s);
    stp_json_init(&w, s.f, STP_JSON_LINE);
    stp_json_object(&w, NULL);
    stp_json_str(&w, "a", "x");
    stp_json_space(&w, "\n ");
    stp_json_array(&w, "r");
    stp_json_space(&w, "\n  ");
    stp_json_object(&w, NULL);
    stp_json_num_g(&w, "t", 1.0 / 3.0, 6);
    stp_json_bool(&w, "f", 0);
    stp_json_end(&w);
    stp_json_space(&w, "\n  ");
    stp_json_object(&w, NULL);
    stp_json_end(&w);
    stp_json_space(&w, "\n");
    stp_json_end(&w);
    stp_json_end(&w);
    char *out = sink_close(&s);
    cr_assert_str_eq(out,
                     "{\"a\": \"x\",\n \"r\": [\n  {\"t\": 0.333333, \"f\": false},\n  {}\n]}");
    free(out);
}

// ----------------------------------------------------------------------------
// read back by cJSON

/* Appends code point cp as UTF-8 to buf at *o. */
static void put_utf8(char *buf, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        buf[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*o)++] = (char)(0xc0 | (cp >> 6));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buf[(*o)++] = (char)(0xe0 | (cp >> 12));
        buf[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        buf[(*o)++] = (char)(0xf0 | (cp >> 18));
        buf[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        buf[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* A random valid UTF-8 string of up to 24 code points, control characters,
 * quotes and backslashes well represented. */
static void random_string(char *buf, uint64_t *st)
{
    static const uint32_t top[4] = {0x80, 0x800, 0x10000, 0x110000};
    const int n = (int)(next_u64(st) % 25);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        const uint64_t r = next_u64(st);
        uint32_t cp;
        if (r % 4 == 0)
            cp = 1 + (uint32_t)((r >> 8) % 0x1f); /* a control character */
        else if (r % 4 == 1)
            cp = "\"\\/ab"[(r >> 8) % 5];
        else
            cp = 1 + (uint32_t)((r >> 8) % (top[(r >> 40) % 4] - 1));
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd; /* surrogates are not UTF-8 */
        put_utf8(buf, &o, cp);
    }
    buf[o] = '\0';
}

static double random_double(uint64_t *st)
{
    for (;;) {
        const uint64_t bits = next_u64(st);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x)) return x;
    }
}

Test(json_writer, cjson_reads_back_the_values)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    for (int doc = 0; doc < 200; doc++) {
        char keys[8][128], vals[8][128];
        double num[8];
        sink s;
        stp_json w;
        sink_open(&s);
        stp_json_init(&w, s.f, doc % 2 ? STP_JSON_LINE : STP_JSON_PRETTY);
        stp_json_object(&w, NULL);
        stp_json_array(&w, "items");
        for (int i = 0; i < 8; i++) {
            random_string(keys[i], &st);
            random_string(vals[i], &st);
            num[i] = random_double(&st);
            stp_json_object(&w, NULL);
            stp_json_str(&w, "key", keys[i]);
            stp_json_str(&w, "value", vals[i]);
            stp_json_num(&w, "x", num[i]);
            stp_json_nums(&w, "xs", num, i + 1);
            stp_json_end(&w);
        }
        stp_json_end(&w);
        stp_json_end(&w);
        char *out = sink_close(&s);
        cJSON *root = cJSON_Parse(out);
        cr_assert_not_null(root, "seed %llu doc %d: cJSON rejects %s", (unsigned long long)seed,
                           doc, out);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
        cr_assert_eq(cJSON_GetArraySize(items), 8, "seed %llu", (unsigned long long)seed);
        for (int i = 0; i < 8; i++) {
            const cJSON *it = cJSON_GetArrayItem(items, i);
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(it, "x");
            const cJSON *xs = cJSON_GetObjectItemCaseSensitive(it, "xs");
            cr_assert(cJSON_IsString(k) && strcmp(k->valuestring, keys[i]) == 0,
                      "seed %llu doc %d item %d key", (unsigned long long)seed, doc, i);
            cr_assert(cJSON_IsString(v) && strcmp(v->valuestring, vals[i]) == 0,
                      "seed %llu doc %d item %d value", (unsigned long long)seed, doc, i);
            cr_assert(cJSON_IsNumber(x) && x->valuedouble == num[i],
                      "seed %llu: %.17g read as %.17g", (unsigned long long)seed, num[i],
                      x->valuedouble);
            cr_assert_eq(cJSON_GetArraySize(xs), i + 1, "seed %llu", (unsigned long long)seed);
            for (int j = 0; j <= i; j++)
                cr_assert(cJSON_GetArrayItem(xs, j)->valuedouble == num[j], "seed %llu",
                          (unsigned long long)seed);
        }
        cJSON_Delete(root);
        free(out);
    }
}

/* Non-finite numbers read back as null, integers and booleans as written. */
Test(json_writer, cjson_reads_null_ints_and_bools)
{
    sink s;
    stp_json w;
    sink_open(&s);
    stp_json_init(&w, s.f, STP_JSON_PRETTY);
    stp_json_object(&w, NULL);
    stp_json_num(&w, "nan", NAN);
    stp_json_num(&w, "inf", -INFINITY);
    stp_json_int(&w, "i", -9007199254740991LL); /* -(2^53 - 1): exact in a double */
    stp_json_bool(&w, "t", 1);
    stp_json_end(&w);
    char *out = sink_close(&s);
    cJSON *root = cJSON_Parse(out);
    cr_assert_not_null(root, "%s", out);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "nan")));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "inf")));
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(root, "i")->valuedouble, -9007199254740991.0);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "t")));
    cJSON_Delete(root);
    free(out);
}
