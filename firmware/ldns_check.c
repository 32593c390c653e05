/* On-target check that the ldns subset links and runs: build the root KSK
 * DNSKEY from the built-in anchor with ldns and compute its key tag,
 * round-trip a domain name through ldns' parsers and printer, and print an
 * RRSIG time (the last two go through the firmware's narrow text
 * conversions, firmware/ldns_text.c). */
#include "dbx_anchor.h"
#include "dbx_common.h"
#include "fw.h"

#include <ldns/ldns.h>

#include <stdio.h>
#include <string.h>

static int keytag_ok(const dbx_anchor_key_t *key)
{
    ldns_rr *rr = ldns_rr_new_frm_type(LDNS_RR_TYPE_DNSKEY); /* 4 empty slots */
    ldns_rdf *f[4];
    int ok = 0;
    if (rr == NULL) {
        return 0;
    }
    f[0] = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, key->flags);
    f[1] = ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, 3);
    f[2] = ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, key->alg);
    f[3] = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, key->pubkey_len, key->pubkey);
    ok = ldns_rr_rd_count(rr) == 4;
    for (size_t i = 0; i < 4; i++) {
        ok = ok && f[i] != NULL;
        if (f[i] != NULL && ldns_rr_rd_count(rr) == 4) {
            (void)ldns_rr_set_rdf(rr, f[i], i); /* the rr now owns it */
        } else {
            ldns_rdf_deep_free(f[i]);
        }
    }
    ok = ok && ldns_calc_keytag(rr) == key->key_tag;
    ldns_rr_free(rr);
    return ok;
}

/* ldns' printer of @p rdf into a small buffer, compared with @p want
 * (ldns_rdf2str() would allocate a 64 KB buffer). */
static int prints_as(const ldns_rdf *rdf, const char *want)
{
    ldns_buffer *buf = ldns_buffer_new(64);
    int ok = 0;
    if (buf != NULL && rdf != NULL && ldns_rdf2buffer_str(buf, rdf) == LDNS_STATUS_OK &&
        ldns_buffer_reserve(buf, 1)) {
        ldns_buffer_write_u8(buf, 0);
        ok = strcmp((const char *)ldns_buffer_begin(buf), want) == 0;
    }
    ldns_buffer_free(buf);
    return ok;
}

/* RRSIG expiration 1700000000 (RFC 4034 §3.2 text form: 2023-11-14
 * 22:13:20 UTC), a name through ldns_dname_new_frm_str(), and an rdf type
 * the firmware's text parser refuses. */
static int text_ok(void)
{
    ldns_rdf *t = ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, 1700000000u);
    ldns_rdf *d = ldns_dname_new_frm_str("Example.ORG");
    ldns_rdf *a = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "192.0.2.1");
    int ok = prints_as(t, "20231114221320") && prints_as(d, "Example.ORG.") && a == NULL;
    ldns_rdf_deep_free(t);
    ldns_rdf_deep_free(d);
    ldns_rdf_deep_free(a);
    return ok;
}

int fw_ldns_check(char *line, size_t cap)
{
    int tags_ok = dbx_root_anchor.key_count > 0;
    int name_ok = 0, txt_ok;
    ldns_rdf *name = NULL;

    for (size_t i = 0; i < dbx_root_anchor.key_count; i++) {
        tags_ok = tags_ok && keytag_ok(&dbx_root_anchor.keys[i]);
    }
    if (ldns_str2rdf_dname(&name, "_25._tcp.Mail.Example.") == LDNS_STATUS_OK) {
        ldns_dname2canonical(name);
        name_ok = prints_as(name, "_25._tcp.mail.example.") && ldns_dname_label_count(name) == 4;
    }
    ldns_rdf_deep_free(name);
    txt_ok = text_ok();
    snprintf(line, cap, "ldns: keytags %s, dname %s, text %s", tags_ok ? "ok" : "FAIL",
             name_ok ? "ok" : "FAIL", txt_ok ? "ok" : "FAIL");
    return tags_ok && name_ok && txt_ok ? DBX_OK : DBX_ERR_INTERNAL;
}
