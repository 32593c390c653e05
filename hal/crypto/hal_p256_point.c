/* danebox P-256: points in Jacobian coordinates (a = -3) and the double
 * scalar multiplication u1*G + u2*Q of ECDSA verify, by interleaved wNAF:
 * width 6 against the odd multiples of G in flash (hal_p256_gtab, generated
 * by tools/mkp256tab.py), width 4 against 1Q, 3Q, 5Q, 7Q built here in
 * Jacobian coordinates.  Formulas: doubling "dbl-2001-b" (3M + 5S), addition
 * with H = U2 - U1, r = S2 - S1 (mixed: 8M + 3S, full: 12M + 4S), with the
 * exceptional cases handled (an operand at infinity, P == Q -> doubling,
 * P == -Q -> infinity).  Public data only: variable time. */
#include <string.h>

#include "hal_p256.h"

#define Q_WINDOW 4
#define G_WINDOW 6
#define Q_TAB_LEN (1 << (Q_WINDOW - 2))
#define NAF_LEN 257

static void fe_copy(uint32_t r[8], const uint32_t a[8])
{
    memcpy(r, a, sizeof(hal_p256_fe));
}

static void p256_dbl(hal_p256_jac_t *p)
{
    hal_p256_fe delta, gamma, beta, alpha, t;
    hal_p256_fe_sqr(delta, p->z);
    hal_p256_fe_sqr(gamma, p->y);
    hal_p256_fe_mul(beta, p->x, gamma);
    hal_p256_fe_sub(t, p->x, delta);
    hal_p256_fe_add(alpha, p->x, delta);
    hal_p256_fe_mul(alpha, alpha, t);
    hal_p256_fe_add(t, alpha, alpha);
    hal_p256_fe_add(alpha, alpha, t);             /* 3 (x - delta)(x + delta) */
    hal_p256_fe_add(p->z, p->y, p->z);
    hal_p256_fe_sqr(p->z, p->z);
    hal_p256_fe_sub(p->z, p->z, gamma);
    hal_p256_fe_sub(p->z, p->z, delta);           /* (y + z)^2 - gamma - delta */
    hal_p256_fe_add(beta, beta, beta);
    hal_p256_fe_add(beta, beta, beta);            /* 4 beta */
    hal_p256_fe_sqr(p->x, alpha);
    hal_p256_fe_sub(p->x, p->x, beta);
    hal_p256_fe_sub(p->x, p->x, beta);            /* alpha^2 - 8 beta */
    hal_p256_fe_sub(t, beta, p->x);
    hal_p256_fe_mul(p->y, alpha, t);
    hal_p256_fe_sqr(gamma, gamma);
    hal_p256_fe_add(gamma, gamma, gamma);
    hal_p256_fe_add(gamma, gamma, gamma);
    hal_p256_fe_add(gamma, gamma, gamma);         /* 8 gamma^2 */
    hal_p256_fe_sub(p->y, p->y, gamma);
}

/* p += (x2, y2, z2); z2 == NULL: the second point is affine (z2 = 1).  When
 * p is at infinity the result is the second point. */
static void p256_add(hal_p256_jac_t *p, const uint32_t x2[8], const uint32_t y2[8],
                     const uint32_t *z2)
{
    hal_p256_fe u1, s1, u2, s2, h, r, t;
    if (hal_p256_is_zero(p->z)) {
        fe_copy(p->x, x2);
        fe_copy(p->y, y2);
        if (z2 != NULL) {
            fe_copy(p->z, z2);
        } else {
            memset(p->z, 0, sizeof p->z);
            p->z[0] = 1;
        }
        return;
    }
    hal_p256_fe_sqr(t, p->z);
    hal_p256_fe_mul(u2, x2, t);
    hal_p256_fe_mul(s2, y2, t);
    hal_p256_fe_mul(s2, s2, p->z);                /* S2 = y2 z1^3 */
    fe_copy(u1, p->x);
    fe_copy(s1, p->y);
    if (z2 != NULL) {
        hal_p256_fe_sqr(t, z2);
        hal_p256_fe_mul(u1, u1, t);
        hal_p256_fe_mul(s1, s1, t);
        hal_p256_fe_mul(s1, s1, z2);              /* S1 = y1 z2^3 */
    }
    hal_p256_fe_sub(h, u2, u1);
    hal_p256_fe_sub(r, s2, s1);
    if (hal_p256_is_zero(h)) {
        if (hal_p256_is_zero(r)) {
            p256_dbl(p);                          /* the same point: 2p */
        } else {
            memset(p->z, 0, sizeof p->z);         /* p + (-p) = infinity */
        }
        return;
    }
    if (z2 != NULL) {
        hal_p256_fe_mul(p->z, p->z, z2);
    }
    hal_p256_fe_mul(p->z, p->z, h);               /* Z3 = z1 z2 H */
    hal_p256_fe_sqr(t, h);                        /* HH */
    hal_p256_fe_mul(u1, u1, t);                   /* V = U1 HH */
    hal_p256_fe_mul(t, t, h);                     /* HHH */
    hal_p256_fe_mul(s1, s1, t);                   /* S1 HHH */
    hal_p256_fe_sqr(p->x, r);
    hal_p256_fe_sub(p->x, p->x, t);
    hal_p256_fe_sub(p->x, p->x, u1);
    hal_p256_fe_sub(p->x, p->x, u1);              /* X3 = r^2 - HHH - 2V */
    hal_p256_fe_sub(t, u1, p->x);
    hal_p256_fe_mul(p->y, r, t);
    hal_p256_fe_sub(p->y, p->y, s1);              /* Y3 = r (V - X3) - S1 HHH */
}

/* width-w NAF of k < 2^256: naf[i] odd in (-2^(w-1), 2^(w-1)) or 0,
 * k = sum naf[i] 2^i */
static void p256_wnaf(int8_t naf[NAF_LEN], const uint32_t k[8], int w)
{
    uint32_t t[9];
    memcpy(t, k, 32);
    t[8] = 0;
    for (int i = 0; i < NAF_LEN; i++) {
        int d = 0;
        if (t[0] & 1u) {
            d = (int)(t[0] & ((1u << w) - 1u));
            if (d >= 1 << (w - 1)) {
                d -= 1 << w;
            }
            /* t -= d (t >= d > -2^w, so no borrow leaves word 8) */
            int64_t c = (int64_t)t[0] - d;
            for (int j = 0; j < 9; j++) {
                c += j > 0 ? (int64_t)t[j] : 0;
                t[j] = (uint32_t)c;
                c = (c - (int64_t)t[j]) / ((int64_t)1 << 32);
            }
        }
        naf[i] = (int8_t)d;
        for (int j = 0; j < 8; j++) {
            t[j] = t[j] >> 1 | t[j + 1] << 31;
        }
        t[8] >>= 1;
    }
}

/* p += d * T where T[i] = (2i+1) * point; negative d negates y */
static void p256_add_digit(hal_p256_jac_t *p, int d, const uint32_t *x, const uint32_t *y,
                           const uint32_t *z)
{
    static const hal_p256_fe zero = {0};
    hal_p256_fe ny;
    if (d < 0) {
        hal_p256_fe_sub(ny, zero, y);
        y = ny;
    }
    p256_add(p, x, y, z);
}

int hal_p256_mul2(hal_p256_jac_t *r, const uint32_t u1[8], const uint32_t u2[8],
                  const uint32_t qx[8], const uint32_t qy[8])
{
    int8_t n1[NAF_LEN], n2[NAF_LEN];
    hal_p256_jac_t qt[Q_TAB_LEN], q2;
    int i;

    /* Q table: 1Q, 3Q, ... (Jacobian) */
    memset(&qt[0], 0, sizeof qt[0]);
    p256_add(&qt[0], qx, qy, NULL);
    q2 = qt[0];
    p256_dbl(&q2);
    for (i = 1; i < Q_TAB_LEN; i++) {
        qt[i] = qt[i - 1];
        p256_add(&qt[i], q2.x, q2.y, q2.z);
    }
    p256_wnaf(n1, u1, G_WINDOW);
    p256_wnaf(n2, u2, Q_WINDOW);
    memset(r, 0, sizeof *r);
    for (i = NAF_LEN - 1; i >= 0 && n1[i] == 0 && n2[i] == 0; i--) {
    }
    for (; i >= 0; i--) {
        p256_dbl(r);
        if (n1[i] != 0) {
            int k = (n1[i] < 0 ? -n1[i] : n1[i]) >> 1;
            p256_add_digit(r, n1[i], hal_p256_gtab[k][0], hal_p256_gtab[k][1], NULL);
        }
        if (n2[i] != 0) {
            const hal_p256_jac_t *t = &qt[(n2[i] < 0 ? -n2[i] : n2[i]) >> 1];
            p256_add_digit(r, n2[i], t->x, t->y, t->z);
        }
    }
    return hal_p256_is_zero(r->z) ? -1 : 0;
}
