# danebox bench plot: gnuplot -e "datadir='build/bench'; outfile='BENCHMARKS.png'" plot.gp
# Inputs (written by tools/bench/report.py): plot_host.dat, plot_target.dat,
# plot_fp.dat ("label" value [value]).
set terminal pngcairo size 1500,520 font "DejaVu Sans,10" noenhanced
set output outfile
set multiplot layout 1,3 title "danebox benchmarks (make bench)"
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
unset multiplot
