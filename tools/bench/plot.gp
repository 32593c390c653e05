# danebox bench plot: gnuplot -e "datadir='build/bench'; outfile='BENCHMARKS.png'" plot.gp
# Inputs (written by tools/bench/report.py): plot_host.dat, plot_target.dat,
# plot_fp.dat, plot_check_ir.dat, plot_check_rt.dat, plot_check_lat.dat
# ("label" value [value]).  Top row: resolve / target / footprint; bottom
# row: the whole `danebox check dane-ee.test` (RFC 7672).
set terminal pngcairo size 1500,1040 font "DejaVu Sans,10" noenhanced
set output outfile
set multiplot layout 2,3 title "danebox benchmarks (make bench)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set xtics rotate by -25 left
set yrange [0:*]
set offsets 0,0,graph 0.08,0
set key top left
set bmargin 7

set title "Host: callgrind Ir, _25._tcp.mx.rsa.test. TLSA"
set ylabel "million instructions (whole process)"
set style histogram clustered gap 1
plot datadir."/plot_host.dat" using 2:xtic(1) title "" lc rgb "#4472c4", \
     '' using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.7 notitle

set title "Target: Cortex-M4 (QEMU -icount shift=0)"
set ylabel "million instructions per operation"
plot datadir."/plot_target.dat" using 2:xtic(1) title "" lc rgb "#ed7d31", \
     '' using 0:2:(sprintf("%.3f", $2)) with labels offset 0,0.7 notitle

set title "Firmware footprint per component (mps2-an386)"
set ylabel "KiB"
set style histogram clustered gap 1
plot datadir."/plot_fp.dat" using 2:xtic(1) title "flash" lc rgb "#70ad47", \
     '' using 3 title "RAM (.data+.bss)" lc rgb "#a5a5a5"

set title "Host: danebox check -4, callgrind Ir (whole process)"
set ylabel "million instructions"
set style histogram clustered gap 1
plot datadir."/plot_check_ir.dat" using 2:xtic(1) title "" lc rgb "#4472c4", \
     '' using 0:2:(sprintf("%.1f", $2)) with labels offset 0,0.7 notitle

set title "check dane-ee.test: round trips"
set ylabel "count"
set key top right
plot datadir."/plot_check_rt.dat" using 2:xtic(1) title "DNS queries upstream" lc rgb "#5b9bd5", \
     '' using 3 title "SMTP replies + TLS" lc rgb "#ffc000"

set title "check dane-ee.test at 50 ms RTT (median wall time)"
set ylabel "ms"
set key top left
plot datadir."/plot_check_lat.dat" using 2:xtic(1) title "" lc rgb "#7030a0", \
     '' using 0:2:(sprintf("%d", $2)) with labels offset 0,0.7 notitle
unset multiplot
