# make install: the host side as an operator installs it (README "Installing").
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=] [SPOOLDIR=]
#
# Installs the host CLI (BOARD=host build), the man pages, the example relay
# configuration (never over an existing one), the systemd unit of the relay
# with this PREFIX's paths, and the sysusers.d / tmpfiles.d entries for its
# user and spool.  The firmware is not installed.  debian/rules uses it with
# PREFIX=/usr and DESTDIR=debian/danebox.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SPOOLDIR   ?= /var/spool/danebox
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
INSTALL    ?= install

DIST_SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
                  -e 's|@SPOOLDIR@|$(SPOOLDIR)|g'

.PHONY: install install-files
install:
	@test "$(BOARD)" = host || { echo "make install: the host side only (BOARD=host)" >&2; exit 2; }
	@$(MAKE) --no-print-directory BOARD=host $(B)/danebox
	@$(MAKE) --no-print-directory BOARD=host install-files

install-files:
	@test "$(BOARD)" = host || { echo "make install: the host side only (BOARD=host)" >&2; exit 2; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/danebox $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	$(INSTALL) -m 0755 $(B)/danebox $(DESTDIR)$(BINDIR)/danebox
	$(INSTALL) -m 0644 man/danebox.1 $(DESTDIR)$(MANDIR)/man1/danebox.1
	$(INSTALL) -m 0644 man/danebox.conf.5 $(DESTDIR)$(MANDIR)/man5/danebox.conf.5
	$(INSTALL) -m 0644 man/danebox-relay.8 $(DESTDIR)$(MANDIR)/man8/danebox-relay.8
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/danebox/danebox.conf ]; then \
	  echo "  KEEP    $(DESTDIR)$(SYSCONFDIR)/danebox/danebox.conf (exists)"; \
	else \
	  $(DIST_SUBST) dist/danebox.conf >$(DESTDIR)$(SYSCONFDIR)/danebox/danebox.conf && \
	  chmod 0644 $(DESTDIR)$(SYSCONFDIR)/danebox/danebox.conf; \
	fi
	$(DIST_SUBST) dist/danebox-relay.service.in >$(DESTDIR)$(UNITDIR)/danebox-relay.service
	$(DIST_SUBST) dist/danebox.sysusers >$(DESTDIR)$(SYSUSERSDIR)/danebox.conf
	$(DIST_SUBST) dist/danebox.tmpfiles >$(DESTDIR)$(TMPFILESDIR)/danebox.conf
	chmod 0644 $(DESTDIR)$(UNITDIR)/danebox-relay.service $(DESTDIR)$(SYSUSERSDIR)/danebox.conf \
	  $(DESTDIR)$(TMPFILESDIR)/danebox.conf
