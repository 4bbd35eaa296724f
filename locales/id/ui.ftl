# Semua teks widget di luar pesan notifikasi itu sendiri.

bell-label = { $count ->
    [0] Notifikasi
   *[other] Notifikasi, { $count } belum dibaca
}
panel-title = Notifikasi
tab-general = Umum
tab-inbox = Inbox
tab-approval = Persetujuan
tab-unread = { $count } belum dibaca
category-label = Kategori
category-all = Semua
category-reminder = Pengingat
category-mention = Sebutan
category-assignment = Penugasan
category-update = Pembaruan
category-download_upload = Unduh & unggah
category-resolved = Selesai
category-contact = Kontak
category-deal = Deal
category-expense = Pengeluaran
unread-only = Tampilkan yang belum dibaca
mark-all-read = Tandai semua sudah dibaca
close = Tutup
mark-read = Tandai sudah dibaca
section-today = Hari ini
section-older = Sebelumnya
loading = Memuat notifikasi…
loading-more = Memuat lainnya…
empty-title = Semua sudah terbaca
empty-body = Notifikasi baru akan muncul di sini.
error-title = Notifikasi gagal dimuat
retry = Coba lagi
offline = Anda sedang offline. Lonceng akan tersambung kembali sendiri.
actor-system = Otomatis
popups-enable = Aktifkan notifikasi browser
popups-blocked = Notifikasi browser diblokir. Untuk menerimanya, izinkan notifikasi untuk situs ini di pengaturan situs browser Anda.
popups-sound = Suara notifikasi
time-now = baru saja
time-minutes = { $n } mnt
time-hours = { $n } j
time-days = { $n } hr
# Permintaan persetujuan yang diputuskan dari lonceng (API.md §6).
approve = Setujui
reject = Tolak
reject-note = Catatan (opsional)
cancel = Batal
approval-decided = { $state ->
    [approved] Disetujui oleh { $name } · { $when }
   *[rejected] Ditolak oleh { $name } · { $when }
}
approval-waiting = Offline: keputusan Anda dikirim saat kembali online.
approval-failed = Keputusan gagal dikirim. Coba lagi.

# Pengaturan notifikasi (API.md §7).
settings = Pengaturan notifikasi
back = Kembali
channel-bell = Di aplikasi
channel-browser = Browser
channel-push = Seluler
prefs-chat = Chat
prefs-incoming = Pesan masuk
prefs-error = Perubahan Anda tidak tersimpan. Coba lagi.
quiet-hours = Jam tenang
quiet-from = Dari
quiet-to = Sampai
quiet-days = Hari
quiet-zone = Zona waktu:
day-mon = Sen
day-tue = Sel
day-wed = Rab
day-thu = Kam
day-fri = Jum
day-sat = Sab
day-sun = Min
