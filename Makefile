# Upstream's targets (manager, cli, install, run, stop, test), for the Java manager.
BUILD_DIR ?= build
MVN ?= mvn -B
INSTALL_DIR ?= /usr/local/bin
CONFIG_DIR ?= /etc/cocos
SERVICE_NAME ?= cocos-manager
SERVICE_DIR ?= /etc/systemd/system
SERVICE_FILE = systemd/$(SERVICE_NAME).service
GUEST_DIR ?= $(BUILD_DIR)/guest
MANAGER_JAR = manager-grpc/target/cocos-manager.jar
CLI_JAR = cli/target/cocos-cli.jar
TEST_CMS_JAR = test-cms/target/cocos-test-cms.jar
TEST_CVMS_JAR = test-cvms/target/cocos-test-cvms.jar
SOURCES = $(shell find pom.xml */pom.xml */src/main -type f 2>/dev/null)
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all manager cli test-cms test-cvms deps test-deps guest test install install_service run stop demo demo-stop dev clean deb deb-test

all: manager cli

# One Maven build makes every jar; make rebuilds only when a source changed. It runs no test:
# -DskipTests for surefire, -DskipITs for failsafe (3.6 reads only that one on the command line).
# The tests are still compiled: manager-core's test-jar is part of the reactor's artifacts.
# Order-only on deps: Maven and the JDK come from there, and an installed package rebuilds nothing.
$(MANAGER_JAR) $(CLI_JAR) $(TEST_CMS_JAR) $(TEST_CVMS_JAR) &: $(SOURCES) | deps
	$(MVN) -q -DskipTests -DskipITs -Dcocos.commit=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) package

# The manager's JVM options, measured in docs/operations.md ("Start-up and memory of the daemon"); its
# AppCDS archive is recorded by a training run beside the launcher, again where it is installed.
MANAGER_JVM_OPTIONS = -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xmx64m

manager: $(MANAGER_JAR)
	scripts/make-launcher.sh $(MANAGER_JAR) $(BUILD_DIR)/cocos-manager "$(MANAGER_JVM_OPTIONS)" --archive-beside
	scripts/train-cds.sh $(BUILD_DIR)/cocos-manager

cli: $(CLI_JAR)
	scripts/make-launcher.sh $(CLI_JAR) $(BUILD_DIR)/cocos-cli "-XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
	  "create-vm remove-vm list-vms cvm-info attestation-policy measure logs events algo data result attestation"

# A stand-in Computation Management service to try the manager's link (MANAGER_CMS_URL) with.
test-cms: $(TEST_CMS_JAR)
	scripts/make-launcher.sh $(TEST_CMS_JAR) $(BUILD_DIR)/cocos-test-cms "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"

# Upstream's test CVMS server (test/cvms): sends an agent its computation manifest (docs/walkthrough.md).
test-cvms: $(TEST_CVMS_JAR)
	scripts/make-launcher.sh $(TEST_CVMS_JAR) $(BUILD_DIR)/cocos-test-cvms "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"

# Debian packages: QEMU, OVMF, the test guest's kernel and busybox, the JDK and Maven.
deps:
	@scripts/install-deps.sh

# deps, and what only the tests use: openssl, procps, python3, and promtool (taken out of Debian's
# prometheus package without installing it, so that no Prometheus server is started).
test-deps:
	@scripts/install-deps.sh --test

# The test guest: a Debian kernel and a busybox initramfs standing in for the agent; and the same
# guest as a unified kernel image on a GPT/EFI disk (disk.qcow2) for the disk-boot test.
guest: deps
	guest/build-test-guest.sh $(GUEST_DIR)
	guest/build-test-disk.sh $(GUEST_DIR)

# Unit, integration and end-to-end tests (the end-to-end ones boot the test guest under QEMU).
# Enough on its own on a fresh machine: installs the packages and builds the guest first.
test: test-deps guest
	$(MVN) verify

install: manager cli
	install -d $(INSTALL_DIR)
	install -m 755 $(BUILD_DIR)/cocos-cli $(INSTALL_DIR)/cocos-cli
	install -m 755 $(BUILD_DIR)/cocos-manager $(INSTALL_DIR)/cocos-manager
	scripts/train-cds.sh $(INSTALL_DIR)/cocos-manager
	install -d -m 755 $(CONFIG_DIR)
	@# An operator's configuration is never overwritten.
	[ -e $(CONFIG_DIR)/cocos-manager.env ] || install -m 600 cocos-manager.env $(CONFIG_DIR)/cocos-manager.env

install_service:
	$(SUDO) install -m 644 $(SERVICE_FILE) $(SERVICE_DIR)/$(SERVICE_NAME).service
	$(SUDO) systemctl daemon-reload

# The Debian package build/cocos-manager_VERSION_amd64.deb (packaging/debian/, docs/operations.md
# "Installing the Debian package"). DEB_VERSION overrides the version taken from the pom.
deb: manager cli
	@scripts/install-deps.sh --deb
	scripts/build-deb.sh

# Builds, lints, installs, runs, upgrades, removes and purges the package on THIS machine, as root:
# it installs system-wide, so it is not part of `make test`. Boots the test guest (make guest).
deb-test: manager cli
	@scripts/install-deps.sh --deb
	scripts/test-deb.sh

run: install_service
	$(SUDO) systemctl start $(SERVICE_NAME).service

stop:
	$(SUDO) systemctl stop $(SERVICE_NAME).service

# The manager in the foreground on the development defaults: plain QEMU, the test guest.
dev: manager guest
	scripts/dev.sh

# Manager in the background, one CVM booted from the test guest, its port printed.
demo: deps manager cli guest
	scripts/demo.sh

demo-stop:
	scripts/demo.sh stop

clean:
	rm -rf $(BUILD_DIR)
	$(MVN) -q clean
