#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the Xen rig's dom0 (packed into the payload cpio by
# scripts/xen-rig/run, which appends it to the cached base initramfs).
#
# Design: bring dom0 up by hand (no init system): mount the pseudo
# filesystems, load the Xen modules, start oxenstored/xenconsoled/qemu with
# Debian's /etc/init.d/xen, then either run every guest listed in
# /rig/guests.list in turn (batch mode) or give a shell (RIG_MODE=shell),
# and finally power off (Xen enters S5 and QEMU exits).
#
# Everything the host needs comes back on this console (hvc0 -> Xen -> COM1):
#   @@RIG STAGE <stage> <dom0-uptime> [detail]   progress, for host deadlines
#   @@RIG FAIL <stage> <message>                 dom0 set-up failed
#   @@RIG BEGIN <section> <bytes> <sha256>       a file, base64, up to
#   @@RIG END <section>
# Every wait here is bounded (timeout(1) or a deadline loop).

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

# --- helpers -------------------------------------------------------------------
now() { read -r _up _ < /proc/uptime; echo "$_up"; }           # seconds, 10 ms
now_cs() { now | tr -d .; }                                        # centiseconds
stage() { echo "@@RIG STAGE $1 $(now) ${2:-}"; }

# send SECTION FILE: the file, base64 encoded, framed for the host.
send() {
	[ -f "$2" ] || return 0
	echo "@@RIG BEGIN $1 $(wc -c < "$2") $(sha256sum < "$2" | cut -d' ' -f1)"
	# Small chunks with a pause in between keep Xen's serial transmit buffer
	# from overflowing (it drops characters when full).
	base64 -w 76 "$2" | split -l 100 --filter='cat; sleep 0.02' -
	echo "@@RIG END $1"
}

poweroff_now() {
	stage poweroff
	sync
	echo o > /proc/sysrq-trigger
	sleep 30
	echo "@@RIG FAIL poweroff sysrq power-off did not stop the machine"
	exit 1
}

# fail STAGE MESSAGE: report, send what helps to debug, power off.
fail() {
	echo "@@RIG FAIL $1 $2"
	dmesg > /tmp/dom0-dmesg.log 2>&1; send dom0-dmesg /tmp/dom0-dmesg.log
	timeout 20 xl dmesg > /tmp/xen-dmesg.log 2>&1; send xen-dmesg /tmp/xen-dmesg.log
	poweroff_now
}

# --- dom0 set-up ---------------------------------------------------------------------
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /run/xen /var/log/xen/console /var/lib/xen /tmp
stage init "$(uname -r)"

RIG_MODE=batch
RIG_CREATE_TIMEOUT=120
[ -r /rig/rig.conf ] && . /rig/rig.conf

for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-netback \
	xen-blkback bridge tun 9pnet_xen 9p; do
	modprobe "$m" || echo "rig: warning: modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen || fail xenfs "cannot mount xenfs on /proc/xen"
grep -q control_d /proc/xen/capabilities || fail xenfs "not the control domain"
hostname dom0

# xenconsoled logs every guest's console (and the hypervisor's) to files;
# the log folder must exist or xenconsoled dies and xl create times out.
echo 'XENCONSOLED_ARGS="--log=all --log-dir=/var/log/xen/console"' >> /etc/default/xen
timeout 120 /etc/init.d/xen start || fail xen-start "/etc/init.d/xen start failed ($?)"
timeout 60 xl info > /tmp/xl-info.txt 2>&1 || fail xl-info "xl info failed: $(tail -n 3 /tmp/xl-info.txt)"
pgrep -x xenconsoled > /dev/null || fail xen-start "xenconsoled is not running"
# A bridge for guests with a vif (vif = [ 'bridge=xenbr0' ]).
ip link add xenbr0 type bridge 2>/dev/null && ip link set xenbr0 up
ip link set lo up
caps=$(sed -n 's/^virt_caps *: *//p' /tmp/xl-info.txt | tr ' ' ,)
stage ready "virt_caps=$caps"

# Kernel messages (netback, blkback...) would interleave with our output.
echo 1 > /proc/sys/kernel/printk

# --- one guest ---------------------------------------------------------------------
# Files in /rig/guests/NAME: guest.cfg, guest.env (TIMEOUT, HOOK_DELAY,
# HOOK_TIMEOUT), optional setup.sh (run before xl create) and hook.sh, and the image. Results go to /rig/out/NAME:
# xl-create.log, events ("key value" lines), console.log, xl.log, hook.log.
run_guest() {
	name=$1
	g=/rig/guests/$name
	o=/rig/out/$name
	ev=$o/events
	conlog=/var/log/xen/console/guest-$name.log
	mkdir -p "$o"
	TIMEOUT=30 HOOK_DELAY=0 HOOK_TIMEOUT=60
	[ -r "$g/guest.env" ] && . "$g/guest.env"
	stage guest-begin "$name"

	# Watch for the first console byte from before xl create starts.
	rm -f "$o/.stop"
	(
		while [ ! -s "$conlog" ] && [ ! -e "$o/.stop" ]; do sleep 0.05; done
		[ -s "$conlog" ] && echo "console $(now)" >> "$ev"
	) &
	watcher=$!

	if [ -r "$g/setup.sh" ]; then
		DOMNAME=$name GUEST_DIR=$g OUT_DIR=$o timeout -k 5 120 sh "$g/setup.sh" > "$o/setup.log" 2>&1
		echo "setup_rc $?" >> "$ev"
	fi
	echo "create_start $(now)" >> "$ev"
	timeout -k 5 "$RIG_CREATE_TIMEOUT" xl -vvv create "$g/guest.cfg" > "$o/xl-create.log" 2>&1
	rc=$?
	echo "create_end $(now)" >> "$ev"
	echo "create_rc $rc" >> "$ev"

	ended=create-failed
	hook=""
	if [ "$rc" -eq 0 ]; then
		domid=$(xl domid "$name" 2>/dev/null)
		echo "domid ${domid:-none}" >> "$ev"
		if [ -r "$g/hook.sh" ]; then
			(
				sleep "$HOOK_DELAY"
				echo "hook_start $(now)" >> "$ev"
				DOMID=$domid DOMNAME=$name GUEST_DIR=$g OUT_DIR=$o \
					timeout -k 5 "$HOOK_TIMEOUT" sh "$g/hook.sh" > "$o/hook.log" 2>&1
				hrc=$?
				echo "hook_end $(now)" >> "$ev"
				echo "hook_rc $hrc" >> "$ev"
			) &
			hook=$!
		fi
		# Wait until the domain is shut down (it is preserved: the rig sets
		# on_poweroff/on_reboot/on_crash to preserve unless the config
		# chooses), is gone, or the guest's timeout passes (and its hook,
		# if it has one, has ended).
		deadline=$(( $(now_cs) + TIMEOUT * 100 ))
		ended=""
		while [ -z "$ended" ]; do
			line=$(timeout 30 xl list -v "$name" 2>/dev/null | sed -n 2p)
			if [ -z "$line" ]; then
				# Gone: the config's on_* action destroyed it (xl.log says why).
				echo "shutdown $(now)" >> "$ev"
				ended=gone
				break
			fi
			set -- $line
			state=$5 reason=$8
			echo "$6" > "$o/.cpu"
			case "$state" in
			*r* | *b*) [ -e "$o/.running" ] || { touch "$o/.running"; echo "running $(now)" >> "$ev"; } ;;
			esac
			case "$state" in
			*s* | *c* | *d*)
				echo "shutdown $(now)" >> "$ev"
				echo "state $state" >> "$ev"
				echo "reason_code $reason" >> "$ev"
				# A crash or (HVM/PVH) a triple fault, reported as a
				# reboot: keep the vCPU state it left, symbolized.
				case "$reason" in
				1 | 3) timeout 30 /usr/lib/xen-*/bin/xenctx -a -C -S \
					-s "$g/System.map" "$domid" > "$o/xenctx.log" 2>&1 ;;
				esac
				ended=shutdown
				break
				;;
			esac
			# The timeout waits for a hook to end (bounded by its own
			# timeout): a hook always sees its guest, even when a starved
			# dom0 starts it late (a 1-s hook delay once took 13 s).
			if [ "$(now_cs)" -ge "$deadline" ] &&
				{ [ -z "$hook" ] || grep -q '^hook_end' "$ev"; }; then
				ended=timeout
				break
			fi
			sleep 0.2
		done
		[ "$ended" = timeout ] && echo "timeout $(now)" >> "$ev"
		timeout 60 xl destroy "$name" > "$o/xl-destroy.log" 2>&1
		echo "destroy_rc $?" >> "$ev"
		echo "destroyed $(now)" >> "$ev"
	fi
	echo "ended $ended" >> "$ev"
	[ -s "$o/.cpu" ] && echo "cpu_seconds $(cat "$o/.cpu")" >> "$ev"

	touch "$o/.stop"
	[ -n "$hook" ] && wait "$hook"
	wait "$watcher"
	cp "$conlog" "$o/console.log" 2>/dev/null || : > "$o/console.log"
	cp "/var/log/xen/xl-$name.log" "$o/xl.log" 2>/dev/null
	rm -f "$o/.stop" "$o/.running" "$o/.cpu"
	stage guest-end "$name $ended"
	tar -C /rig/out -czf "/tmp/guest-$name.tgz" "$name"
	send "guest/$name" "/tmp/guest-$name.tgz"
}

# --- batch or shell ------------------------------------------------------------------
if [ "$RIG_MODE" = shell ]; then
	[ -n "${RIG_STTY:-}" ] && stty $RIG_STTY < /dev/hvc0
	export TERM=${RIG_TERM:-vt100}
	cat <<EOF

  Ember Xen rig: dom0 shell (Xen daemons running; exit or Ctrl-D powers off,
  Ctrl-A x quits QEMU at once). Guests copied in: /rig/guests/*/guest.cfg
    xl create /rig/guests/NAME/guest.cfg ; xl list ; xl console NAME (Ctrl-] leaves)
    consoles are logged in /var/log/xen/console/ ; xl dmesg for Xen's log
EOF
	for c in /rig/guests/*/guest.cfg; do [ -e "$c" ] && echo "    $c"; done
	echo
	cd /rig 2>/dev/null || cd /
	setsid -c bash -l < /dev/hvc0 > /dev/hvc0 2>&1
	poweroff_now
fi

for name in $(cat /rig/guests.list 2>/dev/null); do
	run_guest "$name"
done
stage done
timeout 30 xl dmesg > /tmp/xen-dmesg.log 2>&1
send xen-dmesg /tmp/xen-dmesg.log
send xl-info /tmp/xl-info.txt
dmesg > /tmp/dom0-dmesg.log 2>&1
send dom0-dmesg /tmp/dom0-dmesg.log
poweroff_now
