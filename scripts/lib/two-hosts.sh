# Two hosts on one machine, for scripts/mpi-two-hosts.sh and benchmarks/run-distributed.sh --two-hosts
# (source it; bash). Two network namespaces, each its own network stack, joined by a veth pair whose
# addresses exist only inside them; the link shaped to a rate; an rsh agent through which Open MPI
# starts its daemon in the namespace of the host it is given, as it would over ssh.
#
#   two_hosts_available           whether namespaces can be made here (root, ip, tc, CAP_NET_ADMIN); if
#                                 not, returns 1 with the reason in two_hosts_unavailable (test it in `if`)
#   two_hosts_setup RATE          then creates them (RATE as tc writes it: 1gbit, 10gbit, 100gbit)
#   two_hosts_shape RATE          reshapes the link; sets two_hosts_shaping to a description
#   "${two_hosts_mpirun[@]}" NN … mpirun on host a, one rank per host, over TCP on the link
#
# Each host runs on half of this machine's cores (taskset; host a the first half), as two machines
# have cores of their own, and a rank may use all of its host's cores (--bind-to none, as in README's
# recipe: Open MPI would bind a lone rank to one core, here core 0 on both hosts).
#   two_hosts_cleanup             kills what runs in the namespaces and removes them (call it from a trap)
#
# `tc netem` (the rate and 50 µs each way) is used where the kernel has it; otherwise `tc tbf` shapes the
# rate alone, and two_hosts_shaping says that the delay is not simulated.

two_hosts_address_a=10.99.0.1
two_hosts_address_b=10.99.0.2
two_hosts_subnet=10.99.0.0/24
two_hosts_a=nn-host-a-$$
two_hosts_b=nn-host-b-$$
two_hosts_link_a=nnha$$
two_hosts_link_b=nnhb$$
two_hosts_unavailable=""
two_hosts_shaping=""
two_hosts_folder=""
two_hosts_mpirun=()

two_hosts_available() {
    if [ "$(id -u)" != 0 ]; then two_hosts_unavailable="not root"; return 1; fi
    if ! command -v ip > /dev/null; then two_hosts_unavailable="no ip command (iproute2)"; return 1; fi
    if ! command -v tc > /dev/null; then two_hosts_unavailable="no tc command (iproute2)"; return 1; fi
    if ! ip netns add "$two_hosts_a" 2> /dev/null; then
        two_hosts_unavailable="ip netns add failed (no CAP_NET_ADMIN?)"
        return 1
    fi
}

two_hosts_setup() {
    local rate=$1 link_a=$two_hosts_link_a link_b=$two_hosts_link_b
    ip netns add "$two_hosts_b"
    ip link add "$link_a" type veth peer name "$link_b"
    ip link set "$link_a" netns "$two_hosts_a"
    ip link set "$link_b" netns "$two_hosts_b"
    ip -n "$two_hosts_a" address add "$two_hosts_address_a/24" dev "$link_a"
    ip -n "$two_hosts_b" address add "$two_hosts_address_b/24" dev "$link_b"
    ip -n "$two_hosts_a" link set lo up
    ip -n "$two_hosts_b" link set lo up
    ip -n "$two_hosts_a" link set "$link_a" up
    ip -n "$two_hosts_b" link set "$link_b" up
    two_hosts_shape "$rate"

    # Each host gets half of this machine's cores, as two machines would have cores of their own.
    local cores half
    cores=$(nproc)
    half=$((cores / 2 > 0 ? cores / 2 : 1))
    two_hosts_cores_a=0-$((half - 1))
    two_hosts_cores_b=$((cores > 1 ? half : 0))-$((cores > 1 ? cores - 1 : 0))
    # Open MPI calls the agent as `agent HOST COMMAND...`, as it would ssh. With NN_TWO_HOSTS_HIDE set to
    # a folder, host b sees an empty folder there (a file that exists on one host only).
    two_hosts_folder=$(mktemp -d)
    cat > "$two_hosts_folder/agent" << AGENT
#!/bin/sh
host=\$1
shift
case \$host in
    $two_hosts_address_a) namespace=$two_hosts_a cores=$two_hosts_cores_a ;;
    $two_hosts_address_b) namespace=$two_hosts_b cores=$two_hosts_cores_b ;;
    *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
if [ -n "\${NN_TWO_HOSTS_HIDE:-}" ] && [ "\$host" = $two_hosts_address_b ]; then
    exec taskset -c "\$cores" ip netns exec "\$namespace" sh -c 'mount -t tmpfs hidden "\$0" && exec sh -c "\$1"' "\$NN_TWO_HOSTS_HIDE" "\$*"
fi
exec taskset -c "\$cores" ip netns exec "\$namespace" sh -c "\$*"
AGENT
    chmod +x "$two_hosts_folder/agent"
    printf '%s slots=1\n%s slots=1\n' "$two_hosts_address_a" "$two_hosts_address_b" > "$two_hosts_folder/hosts"
    # As root mpirun needs these.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # README's two-machine command, with the agent in place of ssh; a timeout so that nothing hangs.
    two_hosts_mpirun=(timeout 180 taskset -c "$two_hosts_cores_a" ip netns exec "$two_hosts_a" mpirun
        --hostfile "$two_hosts_folder/hosts" -np 2 --bind-to none
        --mca plm_rsh_agent "$two_hosts_folder/agent" --mca btl tcp,self
        --mca btl_tcp_if_include "$two_hosts_subnet" --mca oob_tcp_if_include "$two_hosts_subnet")
}

two_hosts_shape() {
    local rate=$1 namespace link bits burst
    for namespace in "$two_hosts_a" "$two_hosts_b"; do
        link=$two_hosts_link_a
        [ "$namespace" = "$two_hosts_a" ] || link=$two_hosts_link_b
        ip netns exec "$namespace" tc qdisc del dev "$link" root 2> /dev/null || true
        if ip netns exec "$namespace" tc qdisc add dev "$link" root netem rate "$rate" delay 50us 2> /dev/null; then
            two_hosts_shaping="netem: $rate, 50 µs each way"
        else
            # A bucket of 1 ms at the rate, and at least 64 KB for the veth's segmentation offload.
            bits=$(echo "$rate" | awk '{ n = $0 + 0; u = tolower($0); sub(/^[0-9.]+/, "", u);
                if (u == "gbit") n *= 1e9; else if (u == "mbit") n *= 1e6; else if (u == "kbit") n *= 1e3; printf "%d", n }')
            burst=$((bits / 8 / 1000 > 65536 ? bits / 8 / 1000 : 65536))
            ip netns exec "$namespace" tc qdisc add dev "$link" root tbf rate "$rate" burst "$burst" latency 10ms
            two_hosts_shaping="tbf: $rate; no netem on this kernel, so the 50 µs delay is not simulated"
        fi
    done
}

two_hosts_cleanup() {
    local namespace pids
    for namespace in "$two_hosts_a" "$two_hosts_b"; do
        if [ -e "/var/run/netns/$namespace" ]; then
            pids=$(ip netns pids "$namespace" 2> /dev/null || true)
            # shellcheck disable=SC2086
            [ -z "$pids" ] || kill -KILL $pids 2> /dev/null || true
            ip netns delete "$namespace" 2> /dev/null || true
        fi
    done
    [ -z "$two_hosts_folder" ] || rm -rf "$two_hosts_folder"
}
