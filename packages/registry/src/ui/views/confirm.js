/* global document */
/**
 * A confirmation dialog for writes (promotions). When the registry answers
 * 401/403 it asks for the registry token and retries; the token is kept for
 * the browser session only.
 */
import { ApiError, setToken } from '../api.js';

/** Shows the dialog; resolves true once `action` succeeded, false when cancelled. */
export function confirmAction({ title, text, confirmLabel = 'Confirm', action }) {
  const dialog = document.getElementById('confirm-dialog');
  const form = dialog.querySelector('form');
  const okButton = document.getElementById('confirm-ok');
  const cancelButton = document.getElementById('confirm-cancel');
  const tokenLabel = document.getElementById('confirm-token-label');
  const tokenInput = document.getElementById('confirm-token');
  const errorText = document.getElementById('confirm-error');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  okButton.textContent = confirmLabel;
  tokenLabel.hidden = true;
  errorText.hidden = true;
  okButton.disabled = false;

  return new Promise((resolve) => {
    const finish = (result) => {
      form.removeEventListener('submit', onSubmit);
      cancelButton.removeEventListener('click', onCancel);
      dialog.close();
      resolve(result);
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      if (!tokenLabel.hidden) setToken(tokenInput.value.trim());
      okButton.disabled = true;
      try {
        await action();
        finish(true);
      } catch (error) {
        okButton.disabled = false;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          tokenLabel.hidden = false;
          tokenInput.focus();
        }
        errorText.textContent = error.message ?? String(error);
        errorText.hidden = false;
      }
    };
    form.addEventListener('submit', onSubmit);
    cancelButton.addEventListener('click', onCancel);
    dialog.showModal();
  });
}
