/**
 * @file dbx_check_int.h
 * @brief Private to src/check: the jobs of the check, one file each.
 *   dbx_check_dns.c    DNS facts (MX, addresses, TLSA with the CNAME rules)
 *   dbx_check_probe.c  probe facts (SMTP/TLS session, DANE matching)
 *   dbx_check.c        the iteration (hosts, addresses) and aggregation
 *   dbx_check_out.c    JSON and mail-log output
 *   dbx_session.c      the session API on top of the iteration
 * Decisions are never taken here: every verdict is dbx_policy_*().
 */
#ifndef DBX_CHECK_INT_H
#define DBX_CHECK_INT_H

#include "dbx_check.h"

/* The check reads DNS answers only through the dbx_result_*() accessors of
 * dnssec/dbx_resolver.h and includes no ldns header (dbx_resolver.h only
 * forward-declares ldns structs): a regression fails the build. */
#if defined(LDNS_DNS_H) || defined(LDNS_RR_H)
#error "src/check must not include ldns headers: use the dbx_result_*() accessors"
#endif
#pragma GCC poison ldns_rr_list_rr_count ldns_rr_list_rr ldns_rr_rdf ldns_rr_get_type
#pragma GCC poison ldns_rr_owner ldns_rdf_data ldns_rdf_size ldns_rdf_get_type ldns_rdf2str

/** MX stage: look up MX, build the host list, dbx_policy_mx().  Sets
 *  out->verdict/why/reason when the domain is decided (deferred) here.
 *  @return true when hosts are to be checked. */
bool dbx_check_mx_stage(const dbx_check_config_t *cfg, dbx_resolver_t *r,
                        dbx_check_result_t *out);

/** Host DNS stage: addresses, TLSA (CNAME rules), the records into @p w,
 *  facts and the pre-connect decision in w->facts / w->pre.  When the
 *  decision is defer, h->verdict/why/reason are set and h->n_addrs = 0. */
void dbx_check_host_dns(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_work_t *w,
                        dbx_check_result_t *out, dbx_check_host_t *h);

/** Free the current host's DNS answers (TLSA data included). */
void dbx_check_host_release(dbx_check_work_t *w);

/** One SMTP session to @p a under w->pre; facts, then dbx_policy_eval().
 *  With @p keep_open the session stays open when a->usable. */
void dbx_check_probe(const dbx_check_config_t *cfg, const dbx_transport_t *tr,
                     dbx_check_work_t *w, dbx_check_result_t *out, dbx_check_host_t *h,
                     dbx_check_addr_t *a, bool keep_open);

/** Validate and start: MX stage, cursor at the first host.
 *  @return DBX_OK, DBX_ERR_INVAL, DBX_ERR_NOTIME. */
int dbx_check_begin(const dbx_check_config_t *cfg, dbx_resolver_t *r, dbx_check_work_t *w,
                    const char *domain, dbx_check_result_t *out);

/** Advance: probe addresses until one leaves a usable open session
 *  (@p keep_open; returns DBX_OK, w->smtp open, host/domain verdicts set
 *  provisionally from it) or everything is done (host and domain verdicts
 *  final; returns DBX_ERR_NOTFOUND). */
int dbx_check_next(const dbx_check_config_t *cfg, dbx_resolver_t *r, const dbx_transport_t *tr,
                   dbx_check_work_t *w, dbx_check_result_t *out, bool keep_open);

/** Human text for a success reason ("MX RRset insecure, no DANE"). */
const char *dbx_check_why_text(dbx_policy_reason_t r);

#endif /* DBX_CHECK_INT_H */
