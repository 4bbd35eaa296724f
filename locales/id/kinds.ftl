# Satu pesan per jenis notifikasi di protocol/src/kind.rs.
# Variabel: argumen jenisnya, ditambah $actor (nama pelaku) dan $actor_type
# ("user" atau "system"). Angka dan tanggal sudah diformat oleh Intl.

reminder-due = Pengingat: { $entity_type ->
    [deal] deal
    [ticket] tiket
    [task] tugas
    [comment] komentar
    [contact] kontak
    [company] perusahaan
   *[other] data
} { $entity_name } jatuh tempo { $due_at }
mention = { $actor } menyebut Anda di { $entity_type ->
    [deal] deal
    [ticket] tiket
    [task] tugas
    [comment] komentar
    [contact] kontak
    [company] perusahaan
   *[other] data
} { $entity_name }
deal-assigned = { $actor_type ->
    [system] Deal { $deal_name } ditugaskan kepada Anda secara otomatis
   *[user] { $actor } menugaskan deal { $deal_name } kepada Anda
}
ticket-assigned = { $actor_type ->
    [system] Tiket { $ticket_name } ditugaskan kepada Anda secara otomatis
   *[user] { $actor } menugaskan tiket { $ticket_name } kepada Anda
}
task-assigned = { $actor_type ->
    [system] Tugas { $task_name } ditugaskan kepada Anda secara otomatis
   *[user] { $actor } menugaskan tugas { $task_name } kepada Anda
}
task-checklist_assigned = { $actor_type ->
    [system] Item checklist { $item_name } di { $task_name } ditugaskan kepada Anda secara otomatis
   *[user] { $actor } menugaskan item checklist { $item_name } di { $task_name } kepada Anda
}
ticket-status_changed = { $actor } mengubah status tiket { $ticket_name } menjadi { $status }
task-status_changed = { $actor } mengubah status tugas { $task_name } menjadi { $status }
automation-triggered = Otomatisasi { $rule_name } berjalan pada { $entity_type ->
    [deal] deal
    [ticket] tiket
    [task] tugas
    [comment] komentar
    [contact] kontak
    [company] perusahaan
   *[other] data
} { $entity_name }
export-completed = Ekspor { $file_name } sudah siap: { $rows } baris
export-failed = Ekspor { $file_name } gagal. Silakan coba lagi.
import-completed = Impor { $file_name } selesai: { $rows } baris diimpor, { $failed_rows ->
    [0] tidak ada yang gagal
   *[other] { $failed_rows } gagal
}
import-failed = Impor { $file_name } gagal. Periksa berkasnya lalu coba lagi.
conversation-assigned = { $actor_type ->
    [system] Percakapan { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} dengan { $contact_name } ditugaskan kepada Anda secara otomatis
   *[user] { $actor } menugaskan percakapan { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} dengan { $contact_name } kepada Anda
}
conversation-resolved = { $actor } menyelesaikan percakapan { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} dengan { $contact_name }
contact-blocked = { $actor } memblokir kontak { $contact_name }
contact-unblocked = { $actor } membuka blokir kontak { $contact_name }
approval-deal-requested = { $actor } meminta persetujuan Anda untuk deal { $deal_name }
approval-deal-approved = { $actor } menyetujui deal { $deal_name }
approval-deal-rejected = { $actor } menolak deal { $deal_name }
approval-expense-requested = { $actor } meminta persetujuan Anda untuk pengeluaran { $expense_name } ({ $amount })
approval-expense-approved = { $actor } menyetujui pengeluaran { $expense_name } ({ $amount })
approval-expense-rejected = { $actor } menolak pengeluaran { $expense_name } ({ $amount })
message-incoming = { $contact_name } melalui { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
}: { $preview }
