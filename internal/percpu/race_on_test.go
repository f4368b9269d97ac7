//go:build race

package percpu

// raceOn: the race detector makes sync.Pool drop objects at random.
const raceOn = true
