# Thin wrapper: `make run` and `make test` are the whole set-up on a fresh Debian 12 machine.
BUILD_DIR ?= build
JOBS ?= 2
PORT ?= 9999
DEB_PACKAGES := build-essential cmake pkg-config clang-format \
	libpoco-dev libboost-dev libfmt-dev libgtest-dev libgmock-dev libvips-dev \
	sqlite3 python3 curl \
	xvfb zenity xdotool \
	chromium

SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: deps configure build run test format bench install clean

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	@[ -f $(BUILD_DIR)/CMakeCache.txt ] || cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/bin/classifai --port=$(PORT) $(if $(WEBROOT),--webroot=$(WEBROOT))

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

format:
	find sdk kernel plugins tests bench \( -name '*.cpp' -o -name '*.hpp' \) -print0 | xargs -0 clang-format -i

bench: build
	cmake --build $(BUILD_DIR) -j$(JOBS) --target benchmarks
	@set -e; for b in $(BUILD_DIR)/bin/bench_*; do echo "== $$b"; "$$b"; done

install: build
	cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
