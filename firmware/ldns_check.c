/* On-target check that the ldns subset links and runs: build the root KSK
 * DNSKEY from the built-in anchor with ldns and compute its key tag, and
 * round-trip a domain name through ldns' parser and printer. */
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

int fw_ldns_check(char *line, size_t cap)
{
    int tags_ok = dbx_root_anchor.key_count > 0;
    int name_ok = 0;
    ldns_rdf *name = NULL;
    char *text;

    for (size_t i = 0; i < dbx_root_anchor.key_count; i++) {
        tags_ok = tags_ok && keytag_ok(&dbx_root_anchor.keys[i]);
    }
    if (ldns_str2rdf_dname(&name, "_25._tcp.Mail.Example.") == LDNS_STATUS_OK) {
        ldns_dname2canonical(name);
        /* ldns_rdf2str() would allocate a 64 KB buffer: print into a small
         * caller-sized one instead */
        ldns_buffer *buf = ldns_buffer_new(64);
        if (buf != NULL && ldns_rdf2buffer_str(buf, name) == LDNS_STATUS_OK &&
            ldns_buffer_reserve(buf, 1)) {
            ldns_buffer_write_u8(buf, 0);
            text = (char *)ldns_buffer_begin(buf);
            name_ok = strcmp(text, "_25._tcp.mail.example.") == 0 &&
                      ldns_dname_label_count(name) == 4;
        }
        ldns_buffer_free(buf);
    }
    ldns_rdf_deep_free(name);
    snprintf(line, cap, "ldns: keytags %s, dname %s", tags_ok ? "ok" : "FAIL",
             name_ok ? "ok" : "FAIL");
    return tags_ok && name_ok ? DBX_OK : DBX_ERR_INTERNAL;
}
