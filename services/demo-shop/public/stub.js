window.spur=window.spur||function(){(spur.q=spur.q||[]).push(arguments)};
