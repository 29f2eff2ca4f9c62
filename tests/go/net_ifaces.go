// Go's net.Interfaces, net.InterfaceByIndex/ByName and InterfaceAddrs, all
// answered through NETLINK_ROUTE dumps (RTM_GETLINK, RTM_GETADDR). With no
// argument only lo is printed (the same on any Linux, so compared with a
// native run); with "all", every interface, sorted, for tests that know them.
package main

import (
	"fmt"
	"net"
	"os"
	"sort"
)

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

// One line per interface and one per address of it, sorted.
func describe(ifi net.Interface) []string {
	lines := []string{fmt.Sprintf("%s index %d mtu %d mac %q flags %v",
		ifi.Name, ifi.Index, ifi.MTU, ifi.HardwareAddr.String(), ifi.Flags)}
	addrs, err := ifi.Addrs()
	check(err)
	for _, a := range addrs {
		lines = append(lines, fmt.Sprintf("%s addr %s %s", ifi.Name, a.Network(), a.String()))
	}
	sort.Strings(lines[1:])
	return lines
}

func main() {
	all := len(os.Args) > 1 && os.Args[1] == "all"
	ifaces, err := net.Interfaces()
	check(err)
	sort.Slice(ifaces, func(i, j int) bool { return ifaces[i].Name < ifaces[j].Name })
	for _, ifi := range ifaces {
		if all || ifi.Name == "lo" {
			for _, line := range describe(ifi) {
				fmt.Println(line)
			}
		}
	}
	lo, err := net.InterfaceByName("lo")
	check(err)
	byIndex, err := net.InterfaceByIndex(lo.Index)
	check(err)
	fmt.Println("lo by name and by index:", lo.Index, byIndex.Name)
	_, err = net.InterfaceByName("nosuch0")
	fmt.Println("nosuch0:", err)
	addrs, err := net.InterfaceAddrs()
	check(err)
	loopback, others := 0, []string{}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.IsLoopback() {
			loopback++
		} else if all {
			others = append(others, "address "+a.String())
		}
	}
	sort.Strings(others)
	for _, line := range others {
		fmt.Println(line)
	}
	fmt.Println("loopback addresses:", loopback)
}
