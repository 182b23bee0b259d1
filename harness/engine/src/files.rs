//! Reading the files a user or a package names: only regular files (a FIFO, a device such as
//! /dev/zero or a directory is refused, never waited on or read forever), and never more
//! than a stated number of bytes. Symbolic links are followed to what they name, which must
//! itself be a regular file.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The most a configuration-like file (config, adapter, waivers, lab records) may hold.
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// The most a certificate, CRL, OCSP answer, receipt or proof file may hold.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// Reads `path` if it is a regular file of at most `max` bytes; otherwise an error saying
/// which rule it broke.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a directory, device or FIFO is not read)",
        ));
    }
    if meta.len() > max {
        return Err(too_large(meta.len(), max));
    }
    // The size can change between the check and the read: read at most one byte more. The
    // buffer is sized to the file, so that a small file is one read and one to see its end
    // (grown from empty, a 10 KiB file took ten).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len() + 1).unwrap_or(0));
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    Ok(bytes)
}

/// Opens `path` for streaming if it is a regular file (a FIFO would block the open, a device
/// would never end).
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a directory, device or FIFO is not read)",
        ));
    }
    std::fs::File::open(path)
}

/// Hands everything `reader` yields to `each`, 128 KiB at a time (hashing a large file
/// without holding it); returns how many bytes there were. The buffer is the thread's, kept
/// between calls: a fresh one per 512-byte original was zeroed, and at glibc's mmap threshold
/// mapped and unmapped, for every record of a package.
pub fn for_each_chunk(mut reader: impl Read, mut each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    // Taken, not borrowed: `each` may itself stream a file on this thread.
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(128 << 10, 0);
    let mut total = 0u64;
    let result = loop {
        match reader.read(&mut buf) {
            Ok(0) => break Ok(total),
            Ok(n) => {
                each(&buf[..n]);
                total += n as u64;
            }
            Err(e) => break Err(e),
        }
    };
    BUFFER.with(|b| *b.borrow_mut() = buf);
    result
}

/// As [`read_regular`], as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_regular(path, max)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// A path a file names (a manifest, lab records), kept inside `root`, the folder `folder`
/// describes ("the package"): no absolute paths, no `..`, no link leading out, and when the
/// file exists, a regular file.
pub fn inside(root: &Path, rel: &str, folder: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!("path `{rel}` leaves {folder}"));
    }
    let joined = root.join(p);
    if let Some(resolved) = resolved_in_known_folder(root, &joined) {
        return Ok(resolved);
    }
    // Through a symbolic link a path can still leave: what it resolves to must be inside the
    // (canonical) root, and a regular file (never a FIFO or a device).
    let Ok(resolved) = joined.canonicalize() else {
        return Ok(joined); // absent: reported by whoever opens it
    };
    if !resolved.starts_with(root) {
        return Err(format!(
            "path `{rel}` leads outside {folder} through a link"
        ));
    }
    if !resolved.is_file() {
        return Err(format!("path `{rel}` is not a regular file"));
    }
    Ok(resolved)
}

/// The fast path of [`inside`] for the many files of one folder (a package's receipts): when
/// the file itself is a regular file and not a link, and its folder was resolved before to a
/// place inside `root`, the resolved path is that folder's plus the name: one `lstat` instead
/// of resolving every component again. `None` sends the caller the long way.
fn resolved_in_known_folder(root: &Path, joined: &Path) -> Option<PathBuf> {
    use std::cell::RefCell;
    /// Folders resolved on this thread: (as joined, canonical). A handful: packages keep their
    /// files in a few folders.
    const KEPT: usize = 16;
    thread_local! {
        static FOLDERS: RefCell<Vec<(PathBuf, PathBuf)>> = const { RefCell::new(Vec::new()) };
    }
    let (folder, name) = (joined.parent()?, joined.file_name()?);
    // The file is no link, and its folder is (still) a folder and no link: a folder swapped
    // for a link since it was resolved goes the long way.
    let is = |path: &Path, kind: fn(&std::fs::FileType) -> bool| {
        std::fs::symlink_metadata(path).is_ok_and(|m| kind(&m.file_type()))
    };
    if !is(joined, std::fs::FileType::is_file) || !is(folder, std::fs::FileType::is_dir) {
        return None;
    }
    FOLDERS.with(|folders| {
        let mut folders = folders.borrow_mut();
        let canonical = match folders.iter().find(|(as_joined, _)| as_joined == folder) {
            Some((_, canonical)) => canonical.clone(),
            None => {
                let canonical = folder.canonicalize().ok()?;
                if folders.len() == KEPT {
                    folders.remove(0);
                }
                folders.push((folder.to_path_buf(), canonical.clone()));
                canonical
            }
        };
        canonical.starts_with(root).then(|| canonical.join(name))
    })
}

fn too_large(len: u64, max: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{len} bytes or more, over the limit of {max}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_fifos_are_refused_at_once() {
        let started = std::time::Instant::now();
        for special in ["/dev/zero", "/dev/urandom", "/"] {
            let err = read_regular(Path::new(special), MAX_DOCUMENT_BYTES).unwrap_err();
            assert!(
                err.to_string().contains("not a regular file"),
                "{special}: {err}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(read_regular(&fifo, 10).is_err());
        }
        // A link to a device is the device.
        let link = dir.path().join("zero.pem");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_regular(&link, 10).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    /// Once a folder is known (the fast path), a link in it still may not lead out, a link
    /// within stays allowed, and a folder swapped for a link to elsewhere is noticed.
    #[test]
    fn links_are_judged_the_same_in_a_folder_already_resolved() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("package/receipts")).unwrap();
        let root = dir.path().join("package").canonicalize().unwrap();
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, "outside").unwrap();
        std::fs::write(root.join("receipts/a.json"), "{}").unwrap();
        std::fs::write(root.join("receipts/b.json"), "{}").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("receipts/out.json")).unwrap();
        std::os::unix::fs::symlink(root.join("receipts/b.json"), root.join("receipts/in.json"))
            .unwrap();
        let resolve = |rel: &str| inside(&root, rel, "the package");
        assert_eq!(resolve("receipts/a.json"), Ok(root.join("receipts/a.json")));
        assert!(
            resolve("receipts/out.json")
                .unwrap_err()
                .contains("outside")
        );
        assert_eq!(
            resolve("receipts/in.json"),
            Ok(root.join("receipts/b.json"))
        );
        // The folder itself becomes a link out of the package.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("a.json"), "{}").unwrap();
        std::fs::rename(root.join("receipts"), root.join("moved")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("receipts")).unwrap();
        assert!(resolve("receipts/a.json").unwrap_err().contains("outside"));
    }

    #[test]
    fn a_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 100]).unwrap();
        assert!(
            read_regular(&big, 99)
                .unwrap_err()
                .to_string()
                .contains("limit of 99")
        );
        assert_eq!(read_regular(&big, 100).unwrap().len(), 100);
    }
}
